using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Groundwork.Retrieval;

/// <summary>
/// Describes <see cref="SearchRequest.Filter"/>, a free-form JSON value to the serializer, as the grammar
/// <see cref="SearchFilterParser"/> accepts: the fields, each one's operators and operand types, and the limits.
/// A document transformer, because the generated property only refers to the JsonElement schema that every
/// free-form value shares.
/// </summary>
public sealed class SearchFilterSchemaTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        if (document.Components?.Schemas?.TryGetValue(nameof(SearchRequest), out var request) == true
            && request is OpenApiSchema { Properties: { } properties } && properties.ContainsKey(FilterProperty))
        {
            properties[FilterProperty] = FilterSchema();
        }

        return Task.CompletedTask;
    }

    private const string FilterProperty = "filter";

    private static OpenApiSchema FilterSchema()
    {
        var integer = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" };
        var text = new OpenApiSchema { Type = JsonSchemaType.String };
        var timestamp = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "ISO 8601 date (2024-01-01) or date-time (2024-01-01T12:00:00Z); UTC without an offset.",
        };
        var metadataValue = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Number | JsonSchemaType.Boolean };
        var metadataBound = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Number };
        var tag = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1 };

        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object | JsonSchemaType.Null,
            Description = SearchFilterParser.Grammar,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["document_id"] = ValueOrOperators(FilterField.DocumentId, integer, integer),
                ["external_id"] = ValueOrOperators(FilterField.ExternalId, text, text),
                ["source"] = ValueOrOperators(FilterField.Source, text, text),
                ["title"] = ValueOrOperators(FilterField.Title, text, text),
                ["created_at"] = ValueOrOperators(FilterField.CreatedAt, timestamp, timestamp),
                ["tags"] = ValueOrOperators(FilterField.Tags, tag, tag),
            },
            PatternProperties = new Dictionary<string, IOpenApiSchema>
            {
                [$"^{SearchFilterParser.MetadataPrefix.Replace(".", "\\.", StringComparison.Ordinal)}.{{1,{SearchFilterParser.MaxMetadataKeyLength}}}$"] =
                    ValueOrOperators(FilterField.Metadata, metadataValue, metadataBound),
            },
            AdditionalPropertiesAllowed = false,
            Examples =
            [
                new JsonObject
                {
                    ["source"] = "handbook.pdf",
                    ["tags"] = new JsonObject { ["any"] = new JsonArray("hr", "legal") },
                    ["created_at"] = new JsonObject { ["gte"] = "2024-01-01T00:00:00Z", ["lt"] = "2025-01-01" },
                    ["metadata.year"] = new JsonObject { ["gte"] = 2020 },
                    ["metadata.department"] = new JsonObject { ["in"] = new JsonArray("hr", "it") },
                },
            ],
        };
    }

    /// <summary>A bare value (equality; for tags, "has this tag"), or an object of the field's operators.</summary>
    private static OpenApiSchema ValueOrOperators(FilterField field, OpenApiSchema value, OpenApiSchema bound)
    {
        var operators = new Dictionary<string, IOpenApiSchema>();
        foreach (var name in SearchFilterParser.OperatorNames(field))
        {
            operators[name] = name switch
            {
                "in" or "nin" or "any" or "all" => new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = value,
                    MinItems = 1,
                    MaxItems = SearchFilterParser.MaxListValues,
                },
                "gt" or "gte" or "lt" or "lte" => bound,
                _ => value,
            };
        }

        return new OpenApiSchema
        {
            OneOf =
            [
                value,
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = operators,
                    MinProperties = 1,
                    AdditionalPropertiesAllowed = false,
                },
            ],
        };
    }
}
