using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Initial weights the way Keras users expect: Glorot-uniform input and head weights, orthogonal recurrent
/// weights (one orthogonal H×H block per gate, from the QR of a Gaussian matrix, as Saxe et al. and Keras do),
/// zero biases except an LSTM forget-gate bias (default 1, Jozefowicz et al. 2015), embeddings uniform in ±0.05
/// with the padding row at zero, peepholes at zero. Deterministic for a given seed.
/// </summary>
internal static class Initializer
{
    public static float[] Create(ParameterLayout layout, int seed, float forgetGateBias)
    {
        var a = layout.Architecture;
        var p = new float[layout.Count];
        var rng = new SplitMix64(SplitMix64.Hash((ulong)(uint)seed ^ 0x5EEDUL));
        int H = a.HiddenSize, gh = a.GateCount * H;

        if (layout.Embedding >= 0)
        {
            Span<float> e = p.AsSpan(layout.Embedding, a.VocabularySize * a.EmbeddingSize);
            Uniform(e, 0.05f, ref rng);
            e[..a.EmbeddingSize].Clear();  // padding row
        }
        foreach (var d in layout.Directions)
        {
            Uniform(p.AsSpan(d.WeightIh, gh * d.InputSize), MathF.Sqrt(6f / (d.InputSize + gh)), ref rng);
            for (int g = 0; g < a.GateCount; g++) Orthogonal(p.AsSpan(d.WeightHh + g * H * H, H * H), H, ref rng);
            if (a.Cell == RecurrentCellType.Lstm) p.AsSpan(d.BiasIh + H, H).Fill(forgetGateBias);
        }
        Uniform(p.AsSpan(layout.HeadWeight, a.LogitCount * a.OutputSize), MathF.Sqrt(6f / (a.OutputSize + a.LogitCount)), ref rng);
        return p;
    }

    private static void Uniform(Span<float> w, float limit, ref SplitMix64 rng)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
    }

    /// <summary>w [n, n] = Q·sign(diag R) of a standard normal matrix: uniformly distributed over orthogonal matrices.</summary>
    private static void Orthogonal(Span<float> w, int n, ref SplitMix64 rng)
    {
        var m = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i, j] = Gaussian(ref rng);
        var qr = m.QR();
        var q = qr.Q;
        var r = qr.R;
        for (int j = 0; j < n; j++)
        {
            double sign = r[j, j] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++) w[i * n + j] = (float)(q[i, j] * sign);
        }
    }

    private static double Gaussian(ref SplitMix64 rng)
    {
        // Box–Muller; 1 - u keeps the log argument in (0, 1].
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
