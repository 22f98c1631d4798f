using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Groundwork.Retrieval;

/// <summary>
/// Direct calls into the USearch C API (c/usearch.h) shipped as libusearch_c in Cloud.Unum.USearch.
/// The package's managed USearchIndex allocates two arrays per search, only accepts float[] and grows
/// capacity one vector at a time, so we bind the few functions we need ourselves.
/// </summary>
internal static unsafe partial class UsearchNative
{
    private const string Library = "libusearch_c";

    internal const uint MetricCos = 1;
    internal const uint ScalarF32 = 1;
    internal const uint ScalarF16 = 3;

    /// <summary>Mirrors usearch_init_options_t; C's bool is one byte.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InitOptions
    {
        public uint MetricKind;
        public nint Metric;
        public uint Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library)]
    internal static partial nint usearch_init(InitOptions* options, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_free(nint index, out nint error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void usearch_save(UsearchHandle index, string path, out nint error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void usearch_load(UsearchHandle index, string path, out nint error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void usearch_metadata(string path, InitOptions* options, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_size(UsearchHandle index, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_capacity(UsearchHandle index, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_dimensions(UsearchHandle index, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_connectivity(UsearchHandle index, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_memory_usage(UsearchHandle index, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_serialized_length(UsearchHandle index, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_reserve(UsearchHandle index, nuint capacity, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_change_expansion_add(UsearchHandle index, nuint expansion, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_change_expansion_search(UsearchHandle index, nuint expansion, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_change_threads_add(UsearchHandle index, nuint threads, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_change_threads_search(UsearchHandle index, nuint threads, out nint error);

    [LibraryImport(Library)]
    internal static partial void usearch_add(UsearchHandle index, ulong key, float* vector, uint vectorKind, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_remove(UsearchHandle index, ulong key, out nint error);

    [LibraryImport(Library)]
    internal static partial nuint usearch_search(
        UsearchHandle index, float* query, uint queryKind, nuint count, ulong* keys, float* distances, out nint error);

    /// <summary>
    /// A search that only returns keys for which <paramref name="filter"/> returns non-zero; the callback runs on the
    /// calling thread, during the call, with <paramref name="filterState"/> as its second argument.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial nuint usearch_filtered_search(
        UsearchHandle index, float* query, uint queryKind, nuint count,
        delegate* unmanaged<ulong, void*, int> filter, void* filterState,
        ulong* keys, float* distances, out nint error);

    /// <summary>Copies the vector stored under <paramref name="key"/> (converted to <paramref name="vectorKind"/>); returns 0 when there is none.</summary>
    [LibraryImport(Library)]
    internal static partial nuint usearch_get(UsearchHandle index, ulong key, nuint count, void* vector, uint vectorKind, out nint error);

    [LibraryImport(Library)]
    internal static partial nint usearch_version();

    /// <summary>Throws when a call reported an error; USearch's messages are static strings and are not freed.</summary>
    internal static void ThrowIfError(nint error, string operation)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"USearch {operation} failed: {Marshal.PtrToStringUTF8(error)}");
        }
    }

    internal static string? ErrorMessage(nint error) => error == 0 ? null : Marshal.PtrToStringUTF8(error);
}

/// <summary>Owns a native usearch_index_t and frees it exactly once.</summary>
internal sealed class UsearchHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public UsearchHandle() : base(ownsHandle: true)
    {
    }

    internal UsearchHandle(nint index) : base(ownsHandle: true) => SetHandle(index);

    protected override bool ReleaseHandle()
    {
        UsearchNative.usearch_free(handle, out _);
        return true;
    }
}
