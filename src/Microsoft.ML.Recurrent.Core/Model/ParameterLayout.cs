namespace Microsoft.ML.Recurrent.Model;

/// <summary>Offsets of one direction of one recurrent layer's tensors in the flat parameter vector.
/// Jordan cells: WeightHh/BiasHh hold W_hy [H, R]/b_hy [H], and WeightYh/BiasYh the output projection W_yh [R, H]/b_yh [R]
/// (-1 for every other cell). RecurrentSize R is what a step reads from the previous one: H, or the Jordan output size.</summary>
internal readonly record struct DirectionOffsets(int WeightIh, int WeightHh, int BiasIh, int BiasHh, int Peephole, int InputSize,
    int RecurrentSize, int WeightYh = -1, int BiasYh = -1);

/// <summary>
/// Where every tensor lives in the one flat parameter vector (and, identically, the gradient vector).
/// One flat vector makes the optimizer, clipping, the cross-thread gradient sum and serialization single loops.
/// </summary>
internal sealed class ParameterLayout
{
    public RecurrentArchitecture Architecture { get; }
    public IReadOnlyList<ParameterTensor> Tensors { get; }
    public int Count { get; }
    public int Embedding { get; } = -1;
    public int HeadWeight { get; }
    public int HeadBias { get; }
    /// <summary>[layer * directions + direction].</summary>
    public DirectionOffsets[] Directions { get; }

    public ParameterLayout(RecurrentArchitecture a)
    {
        var tensors = new List<ParameterTensor>();
        int offset = 0;
        int Add(string name, params int[] shape)
        {
            var t = new ParameterTensor(name, offset, shape);
            tensors.Add(t);
            int start = offset;
            offset = checked(offset + t.Length);
            return start;
        }

        if (a.InputKind == SequenceInputKind.Tokens) Embedding = Add("embedding.weight", a.VocabularySize, a.EmbeddingSize);
        int gh = a.GateCount * a.HiddenSize, R = a.RecurrentSize;
        bool jordan = a.Recurrence == RnnRecurrence.Jordan;
        Directions = new DirectionOffsets[a.NumberOfLayers * a.Directions];
        for (int l = 0; l < a.NumberOfLayers; l++)
        {
            int input = l == 0 ? a.InputSize : a.OutputSize;
            for (int d = 0; d < a.Directions; d++)
            {
                string sfx = $"_l{l}" + (d == 1 ? "_reverse" : "");
                int wih = Add("weight_ih" + sfx, gh, input);
                int whh = Add((jordan ? "weight_hy" : "weight_hh") + sfx, gh, R);
                int bih = Add("bias_ih" + sfx, gh);
                int bhh = Add((jordan ? "bias_hy" : "bias_hh") + sfx, gh);
                int peep = a.Peephole ? Add("peephole" + sfx, 3, a.HiddenSize) : -1;
                int wyh = jordan ? Add("weight_yh" + sfx, R, a.HiddenSize) : -1;
                int byh = jordan ? Add("bias_yh" + sfx, R) : -1;
                Directions[l * a.Directions + d] = new DirectionOffsets(wih, whh, bih, bhh, peep, input, R, wyh, byh);
            }
        }
        HeadWeight = Add("head.weight", a.LogitCount, a.OutputSize);
        HeadBias = Add("head.bias", a.LogitCount);
        Architecture = a;
        Tensors = tensors;
        Count = offset;
    }

    /// <summary>Parameter count computed in 64 bits, so validation can reject sizes before anything is allocated.</summary>
    public static long CountParameters(RecurrentArchitecture a)
    {
        long gh = (long)a.GateCount * a.HiddenSize, R = a.RecurrentSize;
        long jordan = a.Recurrence == RnnRecurrence.Jordan ? R * a.HiddenSize + R : 0;
        long total = a.InputKind == SequenceInputKind.Tokens ? (long)a.VocabularySize * a.EmbeddingSize : 0;
        for (int l = 0; l < a.NumberOfLayers; l++)
        {
            long input = l == 0 ? a.InputSize : a.OutputSize;
            total += a.Directions * (gh * input + gh * R + 2 * gh + (a.Peephole ? 3L * a.HiddenSize : 0) + jordan);
        }
        return total + (long)a.LogitCount * a.OutputSize + a.LogitCount;
    }

    public ParameterTensor this[string name] => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"No parameter named '{name}'. Known: {string.Join(", ", Tensors.Select(t => t.Name))}.");
}
