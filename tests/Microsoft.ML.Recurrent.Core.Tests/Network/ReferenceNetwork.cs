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
                double[] h = new double[H], c = new double[H];
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
                for (int j = 0; j < H; j++)
                {
                    double v = gi[j] + gh[j];
                    hNew[j] = a.RnnActivation == RnnActivation.Relu ? Math.Max(0, v) : Math.Tanh(v);
                }
                break;
            case RecurrentCellType.Lstm:
                for (int j = 0; j < H; j++)
                {
                    double pi = a.Peephole ? p[o.Peephole + j] * c[j] : 0, pf = a.Peephole ? p[o.Peephole + H + j] * c[j] : 0;
                    double i = Sigmoid(gi[j] + gh[j] + pi);
                    double f = Sigmoid(gi[H + j] + gh[H + j] + pf);
                    double g = Math.Tanh(gi[2 * H + j] + gh[2 * H + j]);
                    cNew[j] = f * c[j] + i * g;
                    double po = a.Peephole ? p[o.Peephole + 2 * H + j] * cNew[j] : 0;
                    double og = Sigmoid(gi[3 * H + j] + gh[3 * H + j] + po);
                    hNew[j] = og * Math.Tanh(cNew[j]);
                }
                break;
            default:
                var r = new double[H];
                var z = new double[H];
                for (int j = 0; j < H; j++)
                {
                    r[j] = Sigmoid(gi[j] + gh[j]);
                    z[j] = Sigmoid(gi[H + j] + gh[H + j]);
                }
                for (int j = 0; j < H; j++)
                {
                    double hn;
                    if (a.GruReset == GruResetMode.AfterRecurrentProduct) hn = r[j] * gh[2 * H + j];
                    else
                    {
                        hn = p[o.BiasHh + 2 * H + j];
                        for (int k = 0; k < H; k++) hn += p[o.WeightHh + (2 * H + j) * H + k] * r[k] * h[k];
                    }
                    double n = Math.Tanh(gi[2 * H + j] + hn);
                    hNew[j] = (1 - z[j]) * n + z[j] * h[j];
                }
                break;
        }
        return (hNew, cNew);
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
