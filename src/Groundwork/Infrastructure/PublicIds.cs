using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.ValueGeneration;

namespace Groundwork.Infrastructure;

/// <summary>
/// Random ids for rows whose ids are public (tenants, users, keys): they tell nothing about how many other rows exist or
/// in which order they were made. 53 bits, not 63, so that JavaScript clients read them exactly (Number.MAX_SAFE_INTEGER).
/// </summary>
public sealed class PublicIdGenerator : ValueGenerator<long>
{
    public override bool GeneratesTemporaryValues => false;

    public override long Next(EntityEntry entry) => New();

    private const ulong MaxId = (1UL << 53) - 1;

    public static long New()
    {
        Span<byte> bytes = stackalloc byte[8];
        long id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = (long)(BinaryPrimitives.ReadUInt64LittleEndian(bytes) & MaxId);
        }
        while (id == 0);

        return id;
    }
}
