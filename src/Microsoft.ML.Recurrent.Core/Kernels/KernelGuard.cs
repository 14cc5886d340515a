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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(string? condition)
        => throw new ArgumentException($"Kernel buffers are too short for the requested size ({condition}).");
}
