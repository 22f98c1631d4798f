using Groundwork.FakeUpstream;

var builder = WebApplication.CreateSlimBuilder(args);

// Per-request hosting logs would dominate the cost of a benchmark run, and a cut-connection fault
// makes Kestrel log a Content-Length mismatch error for every request it strikes.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Critical);
builder.AddFakeUpstream(FakeUpstreamOptions.FromConfiguration(builder.Configuration.GetSection(FakeUpstreamOptions.SectionName)));

var app = builder.Build();
app.MapFakeUpstream();
app.Run();

// Internal, so tests referencing both web projects see only the service's public Program.
internal partial class Program;
