using Microsoft.ML.Recurrent.Kernels;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>The fused Adam kernel against its scalar reference over lengths that exercise the SIMD body and tail.</summary>
public class OptimizerKernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(1000)]
    public void AdamMatchesReference(int n)
    {
        var r = new Random(n);
        float[] Rand() => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
        float[] p1 = Rand(), g = Rand(), m1 = Rand(), v1 = Rand().Select(Math.Abs).ToArray();
        float[] p2 = (float[])p1.Clone(), m2 = (float[])m1.Clone(), v2 = (float[])v1.Clone();
        OptimizerKernels.AdamStep(p1, g, m1, v1, 0.01f, 0.9f, 0.999f, 1.5f, 1.2f, 1e-8f, 0.01f);
        OptimizerKernels.AdamReference(p2, g, m2, v2, 0.01f, 0.9f, 0.999f, 1.5f, 1.2f, 1e-8f, 0.01f);
        for (int i = 0; i < n; i++)
        {
            // The SIMD body fuses multiply-adds, so the last bit may differ from the scalar reference.
            Assert.True(Math.Abs(m1[i] - m2[i]) <= 1e-6f, $"m[{i}]: {m1[i]} vs {m2[i]}");
            Assert.True(Math.Abs(v1[i] - v2[i]) <= 1e-6f, $"v[{i}]: {v1[i]} vs {v2[i]}");
            Assert.True(Math.Abs(p1[i] - p2[i]) <= 1e-6f, $"p[{i}]: {p1[i]} vs {p2[i]}");
        }
    }
}
