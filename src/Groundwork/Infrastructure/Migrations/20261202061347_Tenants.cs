using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Groundwork.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Tenants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_users_Email",
                table: "users");

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

            migrationBuilder.AddColumn<string>(
                name: "BudgetPeriod",
                table: "users",
                type: "TEXT",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "BudgetTokens",
                table: "users",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Disabled",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "IsOperator",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "Role",
                table: "users",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "TenantId",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "TenantId",
                table: "documents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "TenantId",
                table: "chunks",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    ReadOnly = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastUsedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_keys", x => x.Id);
                    table.ForeignKey(
                        name: "FK_api_keys_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "tenants",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false, collation: "NOCASE"),
                    Disabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    BudgetTokens = table.Column<long>(type: "INTEGER", nullable: true),
                    BudgetPeriod = table.Column<string>(type: "TEXT", maxLength: 8, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tenants", x => x.Id);
                });

            // Everything stored before tenants existed belongs to the tenant "default" (a random public id, like every
            // tenant's); the start-up bootstrap gives it its first admin.
            migrationBuilder.Sql(
                "INSERT INTO tenants (Id, Name, Disabled, CreatedAt) " +
                "VALUES (abs(random() % 9000000000000000) + 1, 'default', 0, strftime('%Y-%m-%d %H:%M:%f', 'now'));");
            migrationBuilder.Sql("UPDATE users SET TenantId = (SELECT Id FROM tenants WHERE Name = 'default'), Role = 'Reader';");
            migrationBuilder.Sql("UPDATE documents SET TenantId = (SELECT Id FROM tenants WHERE Name = 'default');");
            migrationBuilder.Sql("UPDATE chunks SET TenantId = (SELECT Id FROM tenants WHERE Name = 'default');");

            migrationBuilder.CreateIndex(
                name: "IX_users_TenantId_Email",
                table: "users",
                columns: new[] { "TenantId", "Email" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_ContentHash",
                table: "documents",
                columns: new[] { "TenantId", "ContentHash" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_CreatedAt",
                table: "documents",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_ExternalId_ContentHash",
                table: "documents",
                columns: new[] { "TenantId", "ExternalId", "ContentHash" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_Source",
                table: "documents",
                columns: new[] { "TenantId", "Source" });

            migrationBuilder.CreateIndex(
                name: "IX_documents_TenantId_Status_Id",
                table: "documents",
                columns: new[] { "TenantId", "Status", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_chunks_TenantId",
                table: "chunks",
                column: "TenantId");

            migrationBuilder.CreateIndex(
                name: "IX_api_keys_Prefix",
                table: "api_keys",
                column: "Prefix");

            migrationBuilder.CreateIndex(
                name: "IX_api_keys_UserId",
                table: "api_keys",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_tenants_Name",
                table: "tenants",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_keys");

            migrationBuilder.DropTable(
                name: "tenants");

            migrationBuilder.DropIndex(
                name: "IX_users_TenantId_Email",
                table: "users");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_ContentHash",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_CreatedAt",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_ExternalId_ContentHash",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_Source",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_documents_TenantId_Status_Id",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_chunks_TenantId",
                table: "chunks");

            migrationBuilder.DropColumn(
                name: "BudgetPeriod",
                table: "users");

            migrationBuilder.DropColumn(
                name: "BudgetTokens",
                table: "users");

            migrationBuilder.DropColumn(
                name: "Disabled",
                table: "users");

            migrationBuilder.DropColumn(
                name: "IsOperator",
                table: "users");

            migrationBuilder.DropColumn(
                name: "Role",
                table: "users");

            migrationBuilder.DropColumn(
                name: "TenantId",
                table: "users");

            migrationBuilder.DropColumn(
                name: "TenantId",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "TenantId",
                table: "chunks");

            migrationBuilder.CreateIndex(
                name: "IX_users_Email",
                table: "users",
                column: "Email",
                unique: true);

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
        }
    }
}
