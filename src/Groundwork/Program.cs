using Groundwork.Audit;
using Groundwork.Auth;
using Groundwork.Documents;
using Groundwork.Embeddings;
using Groundwork.Generation;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.Models;
using Groundwork.OpenAi;
using Groundwork.RateLimits;
using Groundwork.Retrieval;
using Groundwork.Tenants;
using Groundwork.Usage;
using Groundwork.Users;
using Groundwork.WebConsole;

// Settings files sit beside the binary, so the service starts the same from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddGroundworkDefaults();
builder.AddTelemetry();
builder.AddInfrastructure();
builder.AddAuth();
builder.AddAudit();
builder.AddRateLimits();
builder.AddEmbeddings();
builder.AddRetrieval();
builder.AddModels();
builder.AddDocuments();
builder.AddUsage();
builder.AddGeneration();
builder.AddOpenAiCompatibility();
builder.AddWebConsole();

var app = builder.Build();

app.UseGroundworkDefaults();
app.UseWebConsoleFiles();
app.UseAudit();
app.UseAuth();
app.MapDefaultEndpoints();
app.MapGenerationApi();
app.MapModelsApi();
app.MapEmbeddingsApi();
app.MapDocumentsApi();
app.MapSearchApi();
app.MapAuthApi();
app.MapTenantsApi();
app.MapUsersApi();
app.MapAuditApi();
app.MapUsageApi();
app.MapOpenAiApi();
app.MapWebConsole();

app.Run();

/// <summary>Entry point; public so the tests' WebApplicationFactory can host the service.</summary>
public partial class Program;
