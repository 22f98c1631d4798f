using Groundwork.Models;

namespace Groundwork.Tests.Models;

public sealed class CitationMarkersTests
{
    [Fact]
    public void SingleMarkerIsFoundWithItsPosition()
    {
        const string text = "The help desk is on the third floor [1].";
        var marker = Assert.Single(CitationMarkers.Find(text));
        Assert.Equal(new CitationMarker(1, 36, 39), marker);
        Assert.Equal("[1]", text[marker.Start..marker.End]);
    }

    [Fact]
    public void AdjacentMarkersAreSeparateCitations() =>
        Assert.Equal([new(1, 5, 8), new(2, 8, 11)], CitationMarkers.Find("Both.[1][2]"));

    [Theory]
    [InlineData("See [1, 2].")]
    [InlineData("See [1,2].")]
    [InlineData("See [ 1 ,2 ].")]
    public void EveryNumberOfAGroupIsACitationSpanningTheGroup(string text)
    {
        var markers = CitationMarkers.Find(text);
        Assert.Equal([1, 2], markers.Select(m => m.Number));
        Assert.All(markers, m => Assert.Equal((4, text.Length - 1), (m.Start, m.End)));
    }

    [Fact]
    public void MarkersAreFoundInOrderAcrossTheText() =>
        Assert.Equal(
            [new(3, 2, 5), new(12, 9, 16), new(4, 9, 16), new(1, 19, 22)],
            CitationMarkers.Find("A [3]. B [12, 4]. C[1]"));

    [Theory]
    [InlineData("No citations here.")]
    [InlineData("An empty [] pair.")]
    [InlineData("A word [see] in brackets.")]
    [InlineData("A range [1-3] is not a list.")]
    [InlineData("Numbers [1 2] need a comma.")]
    [InlineData("A trailing comma [1,] or a leading one [,1].")]
    [InlineData("A year [2024] is not a passage number.")]
    [InlineData("Unclosed [1")]
    [InlineData("Only a closing 1]")]
    [InlineData("A footnote [^1] is not a citation.")]
    public void BracketsThatAreNotCitationsAreText(string text) => Assert.Empty(CitationMarkers.Find(text));

    [Fact]
    public void MarkerInsideOtherBracketsIsStillFound()
    {
        Assert.Equal([new(2, 1, 4)], CitationMarkers.Find("[[2]"));
        Assert.Equal([new(3, 5, 8)], CitationMarkers.Find("[see [3]]"));
    }

    [Fact]
    public void NumbersThatAreNotPassagesAreStillMarkers() =>
        Assert.Equal([new(0, 0, 3), new(999, 4, 9)], CitationMarkers.Find("[0] [999]"));
}
