using System.IO.Compression;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Groundwork.Documents.Extraction;

/// <summary>
/// PdfPig's filters decode a stream whole into memory, and no option of PdfPig bounds the decoded size: a few kilobytes
/// of Flate data can declare gigabytes. These wrap its own filters: a Flate stream is first inflated through a counting
/// reader that stops at the limit, before PdfPig allocates anything, and every filter's output is checked as well.
/// </summary>
internal sealed class BoundedPdfFilters(long maxDecodedBytes) : IFilterProvider
{
    private readonly IFilterProvider _inner = DefaultFilterProvider.Instance;

    public IReadOnlyList<IFilter> GetFilters(DictionaryToken dictionary) => Bound(_inner.GetFilters(dictionary));

    public IReadOnlyList<IFilter> GetNamedFilters(IReadOnlyList<NameToken> names) => Bound(_inner.GetNamedFilters(names));

    public IReadOnlyList<IFilter> GetAllFilters() => Bound(_inner.GetAllFilters());

    private IFilter[] Bound(IReadOnlyList<IFilter> filters) => [.. filters.Select(filter => new BoundedFilter(filter, maxDecodedBytes))];

    private sealed class BoundedFilter(IFilter inner, long maxDecodedBytes) : IFilter
    {
        public bool IsSupported => inner.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            if (inner is FlateFilter)
            {
                RejectIfInflatesPastLimit(input);
            }

            var decoded = inner.Decode(input, streamDictionary, filterProvider, filterIndex);
            return decoded.Length > maxDecodedBytes ? throw DocumentLimitException.Expanded(maxDecodedBytes) : decoded;
        }

        private void RejectIfInflatesPastLimit(Memory<byte> input)
        {
            using var source = new MemoryStream(input.ToArray(), writable: false);
            using var inflated = new ZLibStream(source, CompressionMode.Decompress);
            var scratch = new byte[81_920];
            long total = 0;
            try
            {
                int read;
                while ((read = inflated.Read(scratch)) > 0)
                {
                    total += read;
                    if (total > maxDecodedBytes)
                    {
                        throw DocumentLimitException.Expanded(maxDecodedBytes);
                    }
                }
            }
            catch (InvalidDataException)
            {
                // Damaged or raw-deflate data: PdfPig's own filter decides what to make of it; its output is still checked.
            }
        }
    }
}
