using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Groundwork.Client;

public sealed partial class GroundworkClient
{
    /// <summary>
    /// Uploads files as one multipart request (<c>POST /documents</c>); answers one document per file, in order, each
    /// queued (or a duplicate, or failed with the reason). <paramref name="progress"/> gets the bytes sent so far.
    /// </summary>
    public async Task<IReadOnlyList<DocumentSummary>> UploadAsync(
        IReadOnlyList<UploadFile> files, UploadFields? fields = null, IProgress<long>? progress = null, bool wait = false,
        CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        var streams = new List<Stream>();
        try
        {
            foreach (var file in files)
            {
                var stream = await file.OpenAsync(cancellationToken);
                streams.Add(stream);
                var part = new StreamContent(stream);
                if (file.ContentType is not null)
                {
                    part.Headers.ContentType = MediaTypeHeaderValue.Parse(file.ContentType);
                }

                form.Add(part, "files", file.FileName);
            }

            AddField(form, "title", fields?.Title);
            AddField(form, "external_id", fields?.ExternalId);
            AddField(form, "source", fields?.Source);
            AddField(form, "tags", fields?.Tags is { Count: > 0 } tags ? string.Join(',', tags) : null);
            AddField(form, "created_at", fields?.CreatedAt?.ToString("O", CultureInfo.InvariantCulture));
            HttpContent content = progress is null ? form : new ProgressContent(form, progress);
            using var request = Request(HttpMethod.Post, wait ? "documents?wait=true" : "documents", content);
            var uploaded = await SendAsync<UploadedDocuments>(request, cancellationToken);
            return uploaded.Documents;
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>Adds one text document (<c>POST /documents</c> as JSON).</summary>
    public Task<DocumentSummary> CreateDocumentAsync(CreateDocumentRequest document, bool wait = false, CancellationToken cancellationToken = default) =>
        SendJsonAsync<DocumentSummary>(HttpMethod.Post, wait ? "documents?wait=true" : "documents", document, cancellationToken);

    /// <summary>Documents, newest first, with the query's filters (<c>GET /documents</c>).</summary>
    public Task<DocumentPage> ListDocumentsAsync(DocumentQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new DocumentQuery();
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new("offset", query.Offset.ToString(CultureInfo.InvariantCulture)),
            new("limit", query.Limit.ToString(CultureInfo.InvariantCulture)),
            new("status", query.Status),
            new("external_id", query.ExternalId),
            new("title", query.Title),
            new("tag", query.Tag),
            new("source", query.Source),
            new("created_from", query.CreatedFrom?.ToString("O", CultureInfo.InvariantCulture)),
            new("created_to", query.CreatedTo?.ToString("O", CultureInfo.InvariantCulture)),
            new("file_hash", query.FileHash),
        };
        if (query.Metadata is { } metadata)
        {
            parameters.Add(new($"metadata.{metadata.Key}", metadata.Value));
        }

        return GetAsync<DocumentPage>("documents" + QueryString(parameters), cancellationToken);
    }

    /// <summary>One document with its text and page spans (<c>GET /documents/{id}</c>).</summary>
    public Task<DocumentSummary> GetDocumentAsync(long id, CancellationToken cancellationToken = default) =>
        GetAsync<DocumentSummary>($"documents/{id}", cancellationToken);

    /// <summary>A document's chunks in order (<c>GET /documents/{id}/chunks</c>).</summary>
    public Task<ChunkPage> GetChunksAsync(long id, CancellationToken cancellationToken = default) =>
        GetAsync<ChunkPage>($"documents/{id}/chunks", cancellationToken);

    public Task DeleteDocumentAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"documents/{id}", cancellationToken);

    public Task<DocumentStats> GetDocumentStatsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<DocumentStats>("documents/stats", cancellationToken);

    internal static string QueryString(IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            text.Append(text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return text.ToString();
    }

    private static void AddField(MultipartFormDataContent form, string name, string? value)
    {
        if (value is not null)
        {
            form.Add(new StringContent(value), name);
        }
    }

    /// <summary>Reports the bytes written while the inner content is sent.</summary>
    private sealed class ProgressContent : HttpContent
    {
        private readonly HttpContent inner;
        private readonly IProgress<long> progress;

        public ProgressContent(HttpContent inner, IProgress<long> progress)
        {
            this.inner = inner;
            this.progress = progress;
            // The multipart boundary travels in Content-Type.
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
        {
            await using var counting = new CountingStream(stream, progress);
            await inner.CopyToAsync(counting, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

    }

    private sealed class CountingStream(Stream inner, IProgress<long> progress) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Report(count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Report(buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Report(int count)
        {
            _written += count;
            progress.Report(_written);
        }

        // The request stream belongs to the handler.
        protected override void Dispose(bool disposing)
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
