namespace Groundwork.Retrieval;

/// <summary>The best <c>k</c> of the matches offered to it, best first; the earlier of equal scores stays ahead.</summary>
internal sealed class TopMatches(int k)
{
    private readonly VectorMatch[] _best = new VectorMatch[Math.Max(k, 0)];
    private int _filled;

    public void Offer(long chunkId, float score)
    {
        if (_filled == _best.Length && (_best.Length == 0 || score <= _best[^1].Score))
        {
            return;
        }

        // Insertion into the sorted list; k is small.
        var position = _filled < _best.Length ? _filled++ : _best.Length - 1;
        while (position > 0 && _best[position - 1].Score < score)
        {
            _best[position] = _best[position - 1];
            position--;
        }

        _best[position] = new VectorMatch(chunkId, score);
    }

    public VectorMatch[] ToArray() => _filled == _best.Length ? _best : _best[.._filled];
}
