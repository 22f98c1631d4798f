using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Groundwork.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class IngestionPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ChunksEmbedded",
                table: "documents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ChunksTotal",
                table: "documents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ContentHash",
                table: "documents",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Error",
                table: "documents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "documents",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PagesJson",
                table: "documents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ReplacesId",
                table: "documents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Source",
                table: "documents",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Status",
                table: "documents",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "TagsJson",
                table: "documents",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "documents",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<DateTime>(
                name: "UploadedAt",
                table: "documents",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<int>(
                name: "PageEnd",
                table: "chunks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PageStart",
                table: "chunks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_documents_ContentHash",
                table: "documents",
                column: "ContentHash");

            migrationBuilder.CreateIndex(
                name: "IX_documents_CreatedAt",
                table: "documents",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_documents_ExternalId_ContentHash",
                table: "documents",
                columns: new[] { "ExternalId", "ContentHash" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_Source",
                table: "documents",
                column: "Source");

            migrationBuilder.CreateIndex(
                name: "IX_documents_Status_Id",
                table: "documents",
                columns: new[] { "Status", "Id" });

            // Documents stored before the pipeline were indexed synchronously: they are ready. Their content hash is
            // unknown to SQL (no SHA-256 there), so they take part in no duplicate check.
            migrationBuilder.Sql("""
                UPDATE documents SET Status = 'Ready', UploadedAt = CreatedAt, UpdatedAt = CreatedAt,
                    ChunksTotal = (SELECT COUNT(*) FROM chunks c WHERE c.DocumentId = documents.Id),
                    ChunksEmbedded = (SELECT COUNT(*) FROM chunks c WHERE c.DocumentId = documents.Id)
                WHERE Status = '';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_documents_ContentHash",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_CreatedAt",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_ExternalId_ContentHash",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_Source",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_Status_Id",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "ChunksEmbedded",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "ChunksTotal",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "ContentHash",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "Error",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "ExternalId",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "PagesJson",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "ReplacesId",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "Source",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "Status",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "TagsJson",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "UploadedAt",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "PageEnd",
                table: "chunks");

            migrationBuilder.DropColumn(
                name: "PageStart",
                table: "chunks");
        }
    }
}
