using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>One length check per kernel call, so the SIMD loops can read through unchecked references.</summary>
internal static class KernelGuard
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(bool ok, [CallerArgumentExpression(nameof(ok))] string? condition = null)
    {
        if (!ok) Throw(condition);
    }

    /// <summary><paramref name="count"/>, after checking <paramref name="ok"/>: a kernel's lane count, once its buffers are known to be long enough.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(int count, bool ok, [CallerArgumentExpression(nameof(ok))] string? condition = null)
    {
        if (!ok) Throw(condition);
        return count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(string? condition)
        => throw new ArgumentException($"Kernel buffers are too short for the requested size ({condition}).");
}
