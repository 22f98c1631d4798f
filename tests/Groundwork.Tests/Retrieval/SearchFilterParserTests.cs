using System.Text.Json;
using Groundwork.Retrieval;

namespace Groundwork.Tests.Retrieval;

public sealed class SearchFilterParserTests
{
    private static SearchFilter Valid(string json)
    {
        Assert.True(SearchFilterParser.TryParse(JsonDocument.Parse(json).RootElement, "filter", out var filter, out var errors),
            string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        return filter;
    }

    private static IReadOnlyDictionary<string, string[]> Errors(string json)
    {
        Assert.False(SearchFilterParser.TryParse(JsonDocument.Parse(json).RootElement, "filter", out _, out var errors));
        return errors;
    }

    [Fact]
    public void TheExampleFromTheIssueParsesIntoTypedConditions()
    {
        var filter = Valid("""
            {"source": "handbook.pdf", "tags": {"any": ["hr", "legal"]},
             "created_at": {"gte": "2024-01-01T00:00:00Z", "lt": "2025-01-01"},
             "metadata.year": {"gte": 2020}, "metadata.department": {"in": ["hr", "it"]}, "document_id": {"in": [1, 2]}}
            """);

        Assert.Equal(
        [
            new FilterCondition(FilterField.Source, null, FilterOperator.Eq, ["handbook.pdf"]),
            new FilterCondition(FilterField.Tags, null, FilterOperator.Any, ["hr", "legal"]),
            new FilterCondition(FilterField.CreatedAt, null, FilterOperator.Gte, [new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)]),
            new FilterCondition(FilterField.CreatedAt, null, FilterOperator.Lt, [new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc)]),
            new FilterCondition(FilterField.Metadata, "year", FilterOperator.Gte, [2020L]),
            new FilterCondition(FilterField.Metadata, "department", FilterOperator.In, ["hr", "it"]),
            new FilterCondition(FilterField.DocumentId, null, FilterOperator.In, [1L, 2L]),
        ], filter.Conditions, new ConditionComparer());
    }

    [Fact]
    public void ABareTagMeansTheDocumentHasIt()
    {
        var condition = Assert.Single(Valid("""{"tags": "hr"}""").Conditions);

        Assert.Equal(FilterOperator.Any, condition.Operator);
        Assert.Equal(["hr"], condition.Values);
    }

    [Fact]
    public void DatesWithAnOffsetAreConvertedToUtcAndDatesWithoutOneAreUtc()
    {
        var conditions = Valid("""{"created_at": {"gt": "2024-06-01T02:30:00+02:00", "lt": "2024-06-02T10:00:00"}}""").Conditions;

        Assert.Equal(new DateTime(2024, 6, 1, 0, 30, 0, DateTimeKind.Utc), conditions[0].Values[0]);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)conditions[1].Values[0]).Kind);
        Assert.Equal(new DateTime(2024, 6, 2, 10, 0, 0, DateTimeKind.Utc), conditions[1].Values[0]);
    }

    [Fact]
    public void MetadataValuesKeepTheirJsonType()
    {
        var conditions = Valid("""{"metadata.a": "x", "metadata.b": 3, "metadata.c": 2.5, "metadata.d": true, "metadata.e": {"in": ["1", 1, false]}}""").Conditions;

        Assert.Equal<object>(["x", 3L, 2.5, true], [.. conditions.Take(4).Select(c => c.Values[0])]);
        Assert.Equal<object>(["1", 1L, false], conditions[4].Values);
    }

    [Fact]
    public void AMetadataKeyKeepsEverythingAfterThePrefixDotsIncluded()
    {
        Assert.Equal("a.b", Assert.Single(Valid("""{"metadata.a.b": 1}""").Conditions).MetadataKey);
    }

    [Fact]
    public void AnEmptyFilterHasNoConditions()
    {
        Assert.Empty(Valid("{}").Conditions);
    }

    [Fact]
    public void EveryProblemIsNamedByItsPath()
    {
        var errors = Errors("""
            {"colour": "red", "source": {"like": "x"}, "created_at": {"gte": "last tuesday"}, "document_id": {"in": [1, "two"]},
             "metadata.year": {"gt": true}, "tags": {"any": []}, "title": ["a", "b"], "external_id": {}, "metadata.": 1}
            """);

        Assert.Equal(
            ["filter.colour", "filter.created_at.gte", "filter.document_id.in[1]", "filter.external_id", "filter.metadata.",
             "filter.metadata.year.gt", "filter.source.like", "filter.tags.any", "filter.title"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"document_id": 1.5}""", "filter.document_id")]
    [InlineData("""{"document_id": "1"}""", "filter.document_id")]
    [InlineData("""{"source": 1}""", "filter.source")]
    [InlineData("""{"source": null}""", "filter.source")]
    [InlineData("""{"source": {"gt": "a"}}""", "filter.source.gt")]
    [InlineData("""{"tags": {"eq": "hr"}}""", "filter.tags.eq")]
    [InlineData("""{"tags": ""}""", "filter.tags")]
    [InlineData("""{"tags": ["hr"]}""", "filter.tags")]
    [InlineData("""{"tags": {"all": ["hr", 2]}}""", "filter.tags.all[1]")]
    [InlineData("""{"created_at": "2024-02-30"}""", "filter.created_at")]
    [InlineData("""{"created_at": {"in": "2024-01-01"}}""", "filter.created_at.in")]
    [InlineData("""{"metadata.year": {"nin": []}}""", "filter.metadata.year.nin")]
    [InlineData("""{"metadata.year": {"eq": {"nested": 1}}}""", "filter.metadata.year.eq")]
    [InlineData("""{"metadata.year": 1e400}""", "filter.metadata.year")]
    [InlineData("""[{"source": "x"}]""", "filter")]
    public void AnInvalidConditionIsReportedAtItsPath(string json, string path)
    {
        Assert.Equal([path], Errors(json).Keys);
    }

    [Fact]
    public void TooManyConditionsAreReportedOnTheFilter()
    {
        var conditions = string.Join(", ", Enumerable.Range(0, SearchFilterParser.MaxConditions + 1).Select(i => $"\"metadata.k{i}\": {i}"));

        var errors = Errors("{" + conditions + "}");

        Assert.Contains($"at most {SearchFilterParser.MaxConditions}", Assert.Single(errors, e => e.Key == "filter").Value[0]);
    }

    [Fact]
    public void AListLongerThanTheLimitIsRejected()
    {
        var ids = string.Join(", ", Enumerable.Range(0, SearchFilterParser.MaxListValues + 1));

        Assert.Equal(["filter.document_id.in"], Errors($$$"""{"document_id": {"in": [{{{ids}}}]}}""").Keys);
    }

    [Fact]
    public void AMetadataKeyLongerThanStoredKeysCanBeIsRejected()
    {
        var key = new string('k', SearchFilterParser.MaxMetadataKeyLength + 1);

        Assert.Equal([$"filter.metadata.{key}"], Errors($$"""{"metadata.{{key}}": 1}""").Keys);
    }

    private sealed class ConditionComparer : IEqualityComparer<FilterCondition>
    {
        public bool Equals(FilterCondition? x, FilterCondition? y) =>
            x is not null && y is not null && x.Field == y.Field && x.MetadataKey == y.MetadataKey && x.Operator == y.Operator
            && x.Values.SequenceEqual(y.Values);

        public int GetHashCode(FilterCondition obj) => HashCode.Combine(obj.Field, obj.Operator);
    }
}
