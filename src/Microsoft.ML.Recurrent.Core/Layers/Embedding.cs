using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Data;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Token embedding, forward and backward side by side: x[t, b, :] = E[id] for real steps, zeros for padded ones.
/// Id 0 (padding) is a zero row that is never trained; ids at or above the vocabulary map to the unknown id 1.
/// </summary>
internal static class Embedding
{
    public static void Forward(ReadOnlySpan<float> table, int vocabulary, int width, Span<float> x, in SequenceShard s)
    {
        int B = s.Batch, T = s.Steps;
        // Every row of x is written once: a token's embedding, or zeros (padding id, or past the sequence's end).
        for (int b = 0; b < B; b++)
        {
            int len = s.Lengths[b], start = s.Offsets[b];
            for (int t = 0; t < len; t++)
            {
                int id = Clamp(s.Tokens[start + t], vocabulary);
                Span<float> row = x.Slice((t * B + b) * width, width);
                if (id != RecurrentArchitecture.PaddingId) table.Slice(id * width, width).CopyTo(row);
                else row.Clear();
            }
            for (int t = len; t < T; t++) x.Slice((t * B + b) * width, width).Clear();
        }
    }

    /// <summary>dE[id] += dx[t, b, :] for every real step; rows are visited in a fixed order, so the sum is deterministic.</summary>
    public static void Backward(Span<float> dTable, int vocabulary, int width, ReadOnlySpan<float> dx, in SequenceShard s)
    {
        int B = s.Batch;
        for (int b = 0; b < B; b++)
        {
            int len = s.Lengths[b], start = s.Offsets[b];
            for (int t = 0; t < len; t++)
            {
                int id = Clamp(s.Tokens[start + t], vocabulary);
                if (id == RecurrentArchitecture.PaddingId) continue;
                Span<float> row = dTable.Slice(id * width, width);
                TensorPrimitives.Add(row, dx.Slice((t * B + b) * width, width), row);
            }
        }
    }

    private static int Clamp(int id, int vocabulary) => (uint)id < (uint)vocabulary ? id : RecurrentArchitecture.UnknownId;
}
