using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Groundwork.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AuditLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Method = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Path = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ActorTenantId = table.Column<long>(type: "INTEGER", nullable: true),
                    ActorUserId = table.Column<long>(type: "INTEGER", nullable: true),
                    ActorKeyId = table.Column<long>(type: "INTEGER", nullable: true),
                    ActorKeyPrefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    TargetTenantId = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_entries", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_ActorTenantId_At",
                table: "audit_entries",
                columns: new[] { "ActorTenantId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_At",
                table: "audit_entries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_TargetTenantId_At",
                table: "audit_entries",
                columns: new[] { "TargetTenantId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_entries");
        }
    }
}
