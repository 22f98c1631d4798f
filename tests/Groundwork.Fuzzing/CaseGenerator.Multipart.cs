using System.Text;

namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    private const string Boundary = "fuzzboundary7MA4YWxkTrZu0gW";

    private static string FilePart(string filename, string content, string contentType = "text/plain", string name = "files") =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {contentType}\r\n\r\n{content}\r\n";

    private static string Closing => $"--{Boundary}--\r\n";

    /// <summary>Multipart uploads: valid ones, then broken framing, headers, file names and counts.</summary>
    private IEnumerable<FuzzCase> MultipartCases(ApiOperation operation, Random random, bool systematic)
    {
        var target = Target(operation, random);
        var contentType = $"multipart/form-data; boundary={Boundary}";
        FuzzCase Case(string fuzzClass, string body, string note, string? type = null, bool expectSuccess = false) =>
            new(fuzzClass, operation.Name, operation.Method, target, JsonBody.Encode(body), type ?? contentType, note) { ExpectSuccess = expectSuccess };
        FuzzCase BytesCase(string fuzzClass, byte[] body, string note) => new(fuzzClass, operation.Name, operation.Method, target, body, contentType, note);

        var text = $"{Word(random)} {Word(random)} {Word(random)}. The {Word(random)} policy applies to every {Word(random)}.";
        var file = FilePart("note.txt", text);
        if (!systematic)
        {
            // Random damage to a valid upload: cut it, or flip bytes.
            var valid = Encoding.UTF8.GetBytes(file + Closing);
            if (random.Next(2) == 0)
            {
                var cut = random.Next(1, valid.Length);
                yield return BytesCase(FuzzClass.Multipart, valid[..cut], $"a valid upload cut to {cut} of {valid.Length} bytes");
            }
            else
            {
                var flipped = (byte[])valid.Clone();
                var flips = random.Next(1, 6);
                for (var i = 0; i < flips; i++)
                {
                    flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                }
                yield return BytesCase(FuzzClass.Multipart, flipped, $"a valid upload with {flips} random bytes changed");
            }
            yield break;
        }

        yield return Case(FuzzClass.Baseline, file + Closing, "one text file", expectSuccess: true);
        yield return Case(FuzzClass.Baseline, file + FilePart("second.md", "# Title\n\nSome " + text, "text/markdown") + Closing, "two files", expectSuccess: true);
        yield return Case(FuzzClass.Multipart, file + Closing, "Content-Type without a boundary", type: "multipart/form-data");
        yield return Case(FuzzClass.Multipart, file + Closing, "a boundary that does not match", type: "multipart/form-data; boundary=other");
        yield return Case(FuzzClass.Multipart, file, "no closing boundary");
        yield return Case(FuzzClass.Multipart, file.TrimEnd('\r', '\n'), "no closing boundary, no final CRLF");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n{text}\r\n" + Closing,
            "a part header without a colon");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\n: no name\r\n\r\n{text}\r\n" + Closing, "a part header with an empty name");
        yield return Case(FuzzClass.Multipart, FilePart("a\"b.txt", text) + Closing, "a quote in the file name");
        yield return Case(FuzzClass.Multipart, FilePart("a\r\nb.txt", text) + Closing, "a CRLF in the file name");
        yield return Case(FuzzClass.Multipart, FilePart("a\r\nX-Injected: 1\r\n\r\nb.txt", text) + Closing, "a header injected through the file name");
        yield return Case(FuzzClass.Multipart, FilePart("a\\\"b.txt", text) + Closing, "an escaped quote in the file name");
        yield return Case(FuzzClass.Multipart, FilePart("", text) + Closing, "an empty file name");
        yield return Case(FuzzClass.Multipart, FilePart("../../etc/passwd", text) + Closing, "a path in the file name");
        yield return Case(FuzzClass.Multipart, FilePart(new string('n', 10_000) + ".txt", text) + Closing, "a 10,000-character file name");
        yield return Case(FuzzClass.Multipart, FilePart("caf\u00e9 \ud83d\ude00.txt", text) + Closing, "a non-ASCII file name (valid)");
        yield return Case(FuzzClass.Multipart, FilePart("a" + JsonBody.InvalidUtf8(2) + ".txt", text) + Closing, "an encoded surrogate (ED A0 80) in the file name");
        yield return Case(FuzzClass.Multipart, FilePart("a" + JsonBody.InvalidUtf8(0) + ".txt", text) + Closing, "a 0xFF byte in the file name");
        yield return Case(FuzzClass.Multipart,
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''%ED%A0%80.txt\r\nContent-Type: text/plain\r\n\r\n{text}\r\n" + Closing,
            "an RFC 5987 file name that decodes to a lone surrogate");
        yield return Case(FuzzClass.Multipart,
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=a.txt; filename=b.txt\r\n\r\n{text}\r\n" + Closing, "the file name twice");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Type: text/plain\r\n\r\n{text}\r\n" + Closing, "a part without Content-Disposition");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition: form-data; filename=\"a.txt\"\r\n\r\n{text}\r\n" + Closing, "a part without a name");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition: attachment; name=\"files\"; filename=\"a.txt\"\r\n\r\n{text}\r\n" + Closing,
            "Content-Disposition attachment");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nA title\r\n" + Closing, "a form field, no file");
        yield return Case(FuzzClass.Multipart, FilePart("a.txt", text, name: "other") + Closing, "a file under another field name");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n"
            + string.Concat(Enumerable.Range(0, 200).Select(i => $"X-Header-{i}: {i}\r\n")) + $"\r\n{text}\r\n" + Closing, "a part with 200 headers");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nX-Long: {new string('h', 40_000)}\r\n\r\n{text}\r\n"
            + Closing, "a 40,000-character part header");
        yield return Case(FuzzClass.Multipart, "", "an empty body");
        yield return Case(FuzzClass.Multipart, Closing, "only the closing boundary");
        yield return Case(FuzzClass.Multipart, new string('p', 100_000) + "\r\n" + file + Closing, "a 100,000-character preamble");
        yield return Case(FuzzClass.Multipart, file + Closing + new string('e', 100_000), "a 100,000-character epilogue");
        yield return Case(FuzzClass.Multipart, (file + Closing).Replace("\r\n", "\n", StringComparison.Ordinal), "LF line endings");
        yield return Case(FuzzClass.Multipart, file + Closing, "a boundary in quotes", type: $"multipart/form-data; boundary=\"{Boundary}\"");
        yield return Case(FuzzClass.Multipart, file + Closing, "an empty boundary parameter", type: "multipart/form-data; boundary=");
        yield return Case(FuzzClass.Multipart, file + Closing, "the boundary twice", type: $"multipart/form-data; boundary=other; boundary={Boundary}");
        var longBoundary = new string('b', 71);
        yield return Case(FuzzClass.Multipart, FilePart("a.txt", text).Replace(Boundary, longBoundary, StringComparison.Ordinal) + $"--{longBoundary}--\r\n",
            "a 71-character boundary (over RFC 2046's 70)", type: $"multipart/form-data; boundary={longBoundary}");
        var hugeBoundary = new string('b', 10_000);
        yield return Case(FuzzClass.Multipart, FilePart("a.txt", text).Replace(Boundary, hugeBoundary, StringComparison.Ordinal) + $"--{hugeBoundary}--\r\n",
            "a 10,000-character boundary", type: $"multipart/form-data; boundary={hugeBoundary}");
        yield return Case(FuzzClass.Multipart, file + Closing, "multipart/mixed", type: $"multipart/mixed; boundary={Boundary}");
        yield return Case(FuzzClass.Multipart, $"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n"
            + $"--inner\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--inner--\r\n\r\n" + Closing, "a nested multipart part");
        yield return Case(FuzzClass.Multipart,
            string.Concat(Enumerable.Range(0, 1_025).Select(i => $"--{Boundary}\r\nContent-Disposition: form-data; name=\"field{i}\"\r\n\r\nv\r\n")) + file + Closing,
            "1,025 form fields and a file");
        yield return Case(FuzzClass.Multipart,
            string.Concat(Enumerable.Range(0, _options.ManyFiles).Select(i => FilePart($"f{i}.txt", "same tiny text"))) + Closing, $"{_options.ManyFiles} files");
        yield return Case(FuzzClass.Multipart, file + Closing, "a multipart body with a JSON Content-Type", type: "application/json");

        foreach (var (name, content, type) in new (string, string, string)[]
        {
            ("empty.txt", "", "text/plain"),
            ("bad.txt", "caf" + JsonBody.InvalidUtf8(0) + " " + JsonBody.InvalidUtf8(2) + " text", "text/plain"),
            ("utf16.txt", "text", "text/plain; charset=utf-16"),
            ("bad.pdf", "%PDF-1.7\r\nnot really a pdf", "application/pdf"),
            ("bad.docx", "PK\u0003\u0004not a zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("bad.html", "<html><body>" + Repeat("<div>", 10_000) + "deep", "text/html"),
            ("bin.dat", "\u0000\u0002\u0003", "application/octet-stream"),
            ("a.txt", text, "no/such-type"),
            ("a.txt", text, ""),
            ("a.txt", text, "text/plain; charset=bogus"),
        })
        {
            yield return Case(FuzzClass.FileContent, FilePart(name, content, type) + Closing, $"file {name} as {(type == "" ? "(empty type)" : type)}");
        }
    }
}
