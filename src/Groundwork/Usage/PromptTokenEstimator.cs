using System.Text;
using Groundwork.Infrastructure;
using Groundwork.Models;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Groundwork.Usage;

/// <summary>
/// The most tokens a model call can cost, reserved from the budgets before the call: its prompt counted as the model will
/// count it, or from above, plus everything the model may write.
/// </summary>
/// <remarks>
/// Per provider, since only one vocabulary ships with the service (Microsoft.ML.Tokenizers.Data.O200kBase):
/// <list type="bullet">
/// <item>OpenAI: o200k_base, gpt-4o's own tokenizer, plus the chat framing OpenAI adds (4 tokens a message, 3 to prime
/// the answer). Exact for the gpt-4o family; another model behind OPENAI_BASE_URL may count differently, and the
/// settlement then charges what it reports.</item>
/// <item>Anthropic, and any provider whose vocabulary does not ship: the prompt's UTF-8 bytes plus the framing. Byte-level
/// BPE never makes a token of less than one byte, so this cannot under-reserve; it over-reserves about fourfold for
/// English, which only matters close to a budget's end, and the settlement returns the difference.</item>
/// <item>The built-in <c>local</c> model costs tokens like any other, counted as it reports them (words, by
/// <see cref="ContentWords.Count"/>): so exactly; its answer may exceed max_tokens by
/// <see cref="LocalExtractiveChatClient.MaxWordsBeyondLimit"/> (its disclosure and markers).</item>
/// </list>
/// </remarks>
public sealed class PromptTokenEstimator
{
    private const int TokensPerMessage = 4;
    private const int TokensToPrimeAnswer = 3;

    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    public long WorstCase(ModelProvider provider, IEnumerable<ChatMessage> messages, int maxOutputTokens) =>
        Prompt(provider, messages) + (provider == ModelProvider.Local ? LocalExtractiveChatClient.MostAnswerWords(maxOutputTokens) : maxOutputTokens);

    public long Prompt(ModelProvider provider, IEnumerable<ChatMessage> messages)
    {
        long tokens = 0;
        var count = 0;
        foreach (var message in messages)
        {
            var text = message.Text;
            tokens += provider switch
            {
                ModelProvider.Local => ContentWords.Count(text),
                ModelProvider.OpenAI => O200k.Value.CountTokens(text),
                _ => Encoding.UTF8.GetByteCount(text),
            };
            count++;
        }

        return provider == ModelProvider.Local ? tokens : tokens + count * TokensPerMessage + TokensToPrimeAnswer;
    }
}
