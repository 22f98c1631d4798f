using System.Runtime.InteropServices;

namespace Groundwork.Infrastructure;

/// <summary>
/// glibc's allocator, told to give memory back. ONNX Runtime allocates its buffers with malloc; glibc raises its mmap
/// threshold to the size of every large block freed (up to 32 MiB), so after one burst of long texts the next bursts'
/// buffers come from the heap arenas, whose freed pages the process keeps (measured: 1,214 MiB a minute after a
/// burst against 866 MiB before it, bench/soak.sh). No .NET API reaches these settings, hence the P/Invoke; on other
/// C libraries (musl, macOS, Windows) both calls do nothing.
/// </summary>
internal static partial class NativeHeap
{
    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in malloc.h
    private const int MmapThresholdBytes = 1 << 20;

    private static readonly bool IsGlibc = OperatingSystem.IsLinux() && HasGlibc();

    /// <summary>Blocks of 1 MiB and more are mapped on their own and unmapped when freed, whatever was freed before.</summary>
    public static void MapLargeBlocksSeparately()
    {
        if (IsGlibc)
        {
            _ = Mallopt(MmapThresholdParameter, MmapThresholdBytes);
        }
    }

    /// <summary>Returns the free pages of every arena to the system; after a large, rare run, not on every request.</summary>
    public static void Trim()
    {
        if (IsGlibc)
        {
            _ = MallocTrim(0);
        }
    }

    private static bool HasGlibc()
    {
        try
        {
            _ = GnuGetLibcVersion();
            return true;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
