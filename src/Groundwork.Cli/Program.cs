using System.CommandLine;

var root = new RootCommand("groundwork: ingest documents into, ask and manage a Groundwork service.");
return await root.Parse(args).InvokeAsync();
