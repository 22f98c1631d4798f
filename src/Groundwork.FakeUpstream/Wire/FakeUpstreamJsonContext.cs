using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Groundwork.FakeUpstream.Wire;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(RecordedRequest[]))]
[JsonSerializable(typeof(FakeUpstreamOptions))]
[JsonSerializable(typeof(FakeFault))]
internal sealed partial class FakeUpstreamJsonContext : JsonSerializerContext
{
    /// <summary>Provider responses are written by hand with this: real providers send UTF-8 unescaped.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
