using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Groundwork.Infrastructure.Migrations
{
    /// <summary>
    /// Documents get an intake <c>Sequence</c> (what "newest" means now that ids are random; existing rows keep their
    /// growing ids as it), and the one FTS5 table over every tenant's chunks goes: keyword search has a table per
    /// tenant (<c>chunks_fts_{tenant}</c>, made at run time by <c>KeywordTables</c>, which fills it from the
    /// tenant's chunks when it first makes it), so BM25's statistics are each tenant's own.
    /// </summary>
    public partial class TenantScopedRetrieval : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_documents_Status_Id",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_Status_Id",
                table: "documents");

            migrationBuilder.AddColumn<long>(
                name: "Sequence",
                table: "documents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.Sql("""
                UPDATE documents SET Sequence = Id;
                DROP TRIGGER IF EXISTS chunks_fts_update;
                DROP TRIGGER IF EXISTS chunks_fts_delete;
                DROP TRIGGER IF EXISTS chunks_fts_insert;
                DROP TABLE IF EXISTS chunks_fts;
                """);

            migrationBuilder.CreateIndex(
                name: "IX_documents_Sequence",
                table: "documents",
                column: "Sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_documents_Status_Sequence",
                table: "documents",
                columns: new[] { "Status", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_ExternalId_Sequence",
                table: "documents",
                columns: new[] { "TenantId", "ExternalId", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_Sequence",
                table: "documents",
                columns: new[] { "TenantId", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_Status_Sequence",
                table: "documents",
                columns: new[] { "TenantId", "Status", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The per-tenant tables are left in place (their names depend on the data); the global one is rebuilt.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE chunks_fts USING fts5(Text, content='chunks', content_rowid='Id', tokenize='porter unicode61 remove_diacritics 2');
                INSERT INTO chunks_fts(rowid, Text) SELECT Id, Text FROM chunks;
                CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
                    INSERT INTO chunks_fts(rowid, Text) VALUES (new.Id, new.Text);
                END;
                CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
                    INSERT INTO chunks_fts(chunks_fts, rowid, Text) VALUES ('delete', old.Id, old.Text);
                END;
                CREATE TRIGGER chunks_fts_update AFTER UPDATE OF Text ON chunks BEGIN
                    INSERT INTO chunks_fts(chunks_fts, rowid, Text) VALUES ('delete', old.Id, old.Text);
                    INSERT INTO chunks_fts(rowid, Text) VALUES (new.Id, new.Text);
                END;
                """);
            migrationBuilder.DropIndex(
                name: "IX_documents_Sequence",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_Status_Sequence",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_ExternalId_Sequence",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_Sequence",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_Status_Sequence",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "Sequence",
                table: "documents");

            migrationBuilder.CreateIndex(
                name: "IX_documents_Status_Id",
                table: "documents",
                columns: new[] { "Status", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_Status_Id",
                table: "documents",
                columns: new[] { "TenantId", "Status", "Id" });
        }
    }
}
