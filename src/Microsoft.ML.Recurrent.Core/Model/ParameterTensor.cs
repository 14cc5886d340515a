namespace Microsoft.ML.Recurrent;

/// <summary>One named parameter tensor inside the flat parameter vector; names and shapes are PyTorch's.</summary>
/// <param name="Name">PyTorch-style name, e.g. <c>weight_ih_l0_reverse</c>, <c>head.weight</c>, <c>embedding.weight</c>.</param>
/// <param name="Offset">Start in the flat parameter vector.</param>
/// <param name="Shape">Row-major shape.</param>
public sealed record ParameterTensor(string Name, int Offset, int[] Shape)
{
    /// <summary>Number of floats.</summary>
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }
}
