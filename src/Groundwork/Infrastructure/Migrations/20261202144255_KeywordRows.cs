using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Groundwork.Infrastructure.Migrations
{
    /// <summary>
    /// Chunks get a <c>KeywordRow</c>, their row in the tenant's keyword table, numbered in intake order (existing
    /// chunks by their document's sequence, then ordinal). The per-tenant tables keyed by the random chunk ids
    /// (<c>chunks_fts_{tenant}</c>) are replaced at start-up by <c>KeywordTables</c> with tables keyed by it
    /// (<c>chunk_words_{tenant}</c>).
    /// </summary>
    public partial class KeywordRows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "KeywordRow",
                table: "chunks",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.Sql("""
                UPDATE chunks SET KeywordRow = numbered.Row
                FROM (SELECT c.Id, row_number() OVER (ORDER BY coalesce(d.Sequence, 0), c.DocumentId, c.Ordinal) AS Row
                      FROM chunks c LEFT JOIN documents d ON d.Id = c.DocumentId) AS numbered
                WHERE numbered.Id = chunks.Id;
                """);

            migrationBuilder.CreateIndex(
                name: "IX_chunks_KeywordRow",
                table: "chunks",
                column: "KeywordRow",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chunks_KeywordRow",
                table: "chunks");

            migrationBuilder.DropColumn(
                name: "KeywordRow",
                table: "chunks");
        }
    }
}
