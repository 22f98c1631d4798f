using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Groundwork.Infrastructure.Migrations
{
    /// <summary>
    /// An FTS5 index over chunk text for keyword (BM25) search, kept in step with <c>chunks</c> by triggers,
    /// so every path that writes chunks (EF Core or raw SQL) keeps it current.
    /// </summary>
    public partial class KeywordIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS chunks_fts_update;
                DROP TRIGGER IF EXISTS chunks_fts_delete;
                DROP TRIGGER IF EXISTS chunks_fts_insert;
                DROP TABLE IF EXISTS chunks_fts;
                """);
        }
    }
}
