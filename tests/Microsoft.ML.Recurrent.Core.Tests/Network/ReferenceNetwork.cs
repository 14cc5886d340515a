using Microsoft.ML.Recurrent.Model;
namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>
/// An independent, deliberately plain double-precision implementation of the whole classifier (one sequence at a
/// time, textbook equations, no batching, no SIMD). It is the reference for the engine's forward pass on
/// configurations PyTorch lacks (peepholes, GRU reset-before), and its loss is differentiated numerically
/// (central differences in double) to check the engine's analytic float gradients.
/// </summary>
internal sealed class ReferenceNetwork(RecurrentArchitecture a, ParameterLayout layout)
{
    public double Loss(double[] p, IReadOnlyList<double[][]> inputs, int[] labels, double[] weights)
    {
        double total = 0, wsum = 0;
        for (int b = 0; b < inputs.Count; b++)
        {
            double[] logits = Logits(p, inputs[b]);
            total += weights[b] * SampleLoss(logits, labels[b]);
            wsum += weights[b];
        }
        return total / wsum;
    }

    /// <summary>Regression loss: Σ_b w_b (1/K) Σ_k ℓ(z_bk − t_bk) / Σ_b w_b, ℓ as PyTorch's MSE / Huber / L1.</summary>
    public double RegressionLoss(double[] p, IReadOnlyList<double[][]> inputs, double[][] targets, double[] weights, RegressionLoss kind, double delta)
    {
        double total = 0, wsum = 0;
        for (int b = 0; b < inputs.Count; b++)
        {
            double[] z = Logits(p, inputs[b]);
            double l = 0;
            for (int k = 0; k < z.Length; k++)
            {
                double e = z[k] - targets[b][k], m = Math.Abs(e);
                l += kind switch
                {
                    Recurrent.RegressionLoss.Huber => m < delta ? 0.5 * e * e : delta * (m - 0.5 * delta),
                    Recurrent.RegressionLoss.Absolute => m,
                    _ => e * e,
                };
            }
            total += weights[b] * l / z.Length;
            wsum += weights[b];
        }
        return total / wsum;
    }

    /// <summary>Embeds token ids (row 0 = padding = zeros, out of range = unknown id 1) into step vectors.</summary>
    public double[][] Embed(double[] p, int[] tokens)
    {
        int E = a.EmbeddingSize;
        var x = new double[tokens.Length][];
        for (int t = 0; t < tokens.Length; t++)
        {
            int id = tokens[t] >= 0 && tokens[t] < a.VocabularySize ? tokens[t] : 1;
            x[t] = new double[E];
            if (id != 0) Array.Copy(p, layout.Embedding + id * E, x[t], 0, E);
        }
        return x;
    }

    public double[] Logits(double[] p, double[][] x)
    {
        int T = x.Length, H = a.HiddenSize, D = a.OutputSize;
        double[][] seq = x;
        double[] lastF = new double[H], lastR = new double[H];
        for (int l = 0; l < a.NumberOfLayers; l++)
        {
            var outSeq = new double[T][];
            for (int t = 0; t < T; t++) outSeq[t] = new double[D];
            for (int d = 0; d < a.Directions; d++)
            {
                var o = layout.Directions[l * a.Directions + d];
                // c carries the LSTM cell state, or a Jordan cell's output y (R values).
                double[] h = new double[H], c = new double[a.RecurrentSize];
                for (int k = 0; k < T; k++)
                {
                    int t = d == 0 ? k : T - 1 - k;
                    (h, c) = Step(p, o, seq[t], h, c);
                    Array.Copy(h, 0, outSeq[t], d * H, H);
                }
                if (l == a.NumberOfLayers - 1) { if (d == 0) lastF = h; else lastR = h; }
            }
            seq = outSeq;
        }
        var pooled = new double[D];
        if (a.Pooling == SequencePooling.Last)
        {
            Array.Copy(lastF, pooled, H);
            if (a.Bidirectional) Array.Copy(lastR, 0, pooled, H, H);
        }
        else if (T > 0)
        {
            for (int j = 0; j < D; j++)
            {
                double acc = a.Pooling == SequencePooling.Mean ? 0 : double.NegativeInfinity;
                for (int t = 0; t < T; t++) acc = a.Pooling == SequencePooling.Mean ? acc + seq[t][j] : Math.Max(acc, seq[t][j]);
                pooled[j] = a.Pooling == SequencePooling.Mean ? acc / T : acc;
            }
        }
        int C = a.LogitCount;
        var logits = new double[C];
        for (int k = 0; k < C; k++)
        {
            double s = p[layout.HeadBias + k];
            for (int j = 0; j < D; j++) s += p[layout.HeadWeight + k * D + j] * pooled[j];
            logits[k] = s;
        }
        return logits;
    }

    public double SampleLoss(double[] logits, int label)
    {
        if (a.Classification == ClassificationKind.Binary)
        {
            double z = logits[0];
            return Math.Log(1 + Math.Exp(-Math.Abs(z))) + Math.Max(z, 0) - z * label;
        }
        double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
        return max + Math.Log(sum) - logits[label];
    }

    private (double[] H, double[] C) Step(double[] p, DirectionOffsets o, double[] x, double[] h, double[] c)
    {
        if (a.Recurrence == RnnRecurrence.Jordan) return JordanStep(p, o, x, c);
        int H = a.HiddenSize, I = o.InputSize, G = a.GateCount;
        // gi[g*H+j] = W_ih x + b_ih, gh[g*H+j] = W_hh h + b_hh
        double[] gi = new double[G * H], gh = new double[G * H];
        for (int r = 0; r < G * H; r++)
        {
            double si = p[o.BiasIh + r], sh = p[o.BiasHh + r];
            for (int k = 0; k < I; k++) si += p[o.WeightIh + r * I + k] * x[k];
            for (int k = 0; k < H; k++) sh += p[o.WeightHh + r * H + k] * h[k];
            gi[r] = si; gh[r] = sh;
        }
        var hNew = new double[H];
        var cNew = new double[H];
        switch (a.Cell)
        {
            case RecurrentCellType.Rnn:
                for (int j = 0; j < H; j++) hNew[j] = ReferenceCells.Rnn(gi[j] + gh[j], a.RnnActivation == RnnActivation.Relu);
                break;
            case RecurrentCellType.Lstm:
                for (int j = 0; j < H; j++)
                {
                    double pi = a.Peephole ? p[o.Peephole + j] : 0, pf = a.Peephole ? p[o.Peephole + H + j] : 0, po = a.Peephole ? p[o.Peephole + 2 * H + j] : 0;
                    var u = ReferenceCells.Lstm(gi[j] + gh[j], gi[H + j] + gh[H + j], gi[2 * H + j] + gh[2 * H + j], gi[3 * H + j] + gh[3 * H + j], c[j], pi, pf, po);
                    cNew[j] = u.C;
                    hNew[j] = u.H;
                }
                break;
            default:
                // Reset-before needs every unit's r first: W_hn (r∘h) mixes units.
                var r = new double[H];
                for (int j = 0; j < H; j++) r[j] = Sigmoid(gi[j] + gh[j]);
                for (int j = 0; j < H; j++)
                {
                    double ar = gi[j] + gh[j], az = gi[H + j] + gh[H + j], an = gi[2 * H + j];
                    if (a.GruReset == GruResetMode.AfterRecurrentProduct)
                    {
                        double hn = gh[2 * H + j];
                        hNew[j] = ReferenceCells.Gru(ar, az, rj => an + rj * hn, h[j]).H;
                    }
                    else
                    {
                        double hn = p[o.BiasHh + 2 * H + j];
                        for (int k = 0; k < H; k++) hn += p[o.WeightHh + (2 * H + j) * H + k] * r[k] * h[k];
                        hNew[j] = ReferenceCells.Gru(ar, az, _ => an + hn, h[j]).H;
                    }
                }
                break;
        }
        return (hNew, cNew);
    }

    /// <summary>h = act(W_ih x + b_ih + W_hy y + b_hy), y' = W_yh h + b_yh; returns (h, y').</summary>
    private (double[] H, double[] Y) JordanStep(double[] p, DirectionOffsets o, double[] x, double[] y)
    {
        int H = a.HiddenSize, I = o.InputSize, R = a.RecurrentSize;
        var h = new double[H];
        for (int j = 0; j < H; j++)
        {
            double v = p[o.BiasIh + j] + p[o.BiasHh + j];
            for (int k = 0; k < I; k++) v += p[o.WeightIh + j * I + k] * x[k];
            for (int k = 0; k < R; k++) v += p[o.WeightHh + j * R + k] * y[k];
            h[j] = a.RnnActivation == RnnActivation.Relu ? Math.Max(0, v) : Math.Tanh(v);
        }
        var yNew = new double[R];
        for (int i = 0; i < R; i++)
        {
            double v = p[o.BiasYh + i];
            for (int j = 0; j < H; j++) v += p[o.WeightYh + i * H + j] * h[j];
            yNew[i] = v;
        }
        return (h, yNew);
    }

    private static double Sigmoid(double v) => ReferenceCells.Sigmoid(v);
}

/// <summary>
/// The textbook per-unit step math of each cell in double precision: the reference network's cells, and the oracle
/// the fused float kernels are checked against (forward directly, backward by numerical differentiation).
/// </summary>
internal static class ReferenceCells
{
    public readonly record struct LstmUnit(double I, double F, double G, double O, double C, double H);

    public readonly record struct GruUnit(double R, double Z, double N, double H);

    /// <summary>One LSTM unit from its four pre-activations (without peepholes) and c_{t−1}; peepholes p_i, p_f see c_{t−1}, p_o sees c_t.</summary>
    public static LstmUnit Lstm(double ai, double af, double ag, double ao, double cPrev, double pi, double pf, double po)
    {
        double i = Sigmoid(ai + pi * cPrev), f = Sigmoid(af + pf * cPrev), g = Math.Tanh(ag);
        double c = f * cPrev + i * g;
        double o = Sigmoid(ao + po * c);
        return new LstmUnit(i, f, g, o, c, o * Math.Tanh(c));
    }

    /// <summary>One GRU unit: r and z from their pre-activations, n = tanh(candidate input given r), h' = (1−z)·n + z·h.</summary>
    public static GruUnit Gru(double ar, double az, Func<double, double> candidateInput, double hPrev)
    {
        double r = Sigmoid(ar), z = Sigmoid(az), n = Math.Tanh(candidateInput(r));
        return new GruUnit(r, z, n, (1 - z) * n + z * hPrev);
    }

    public static double Rnn(double a, bool relu) => relu ? Math.Max(0, a) : Math.Tanh(a);

    public static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
