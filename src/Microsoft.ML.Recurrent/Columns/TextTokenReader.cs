using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>A vector of text tokens → ids through the encoder's vocabulary (unknown tokens → 1).</summary>
internal sealed class TextTokenReader(SequenceEncoder encoder, ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter) : TokenSequenceReader
{
    private VBuffer<ReadOnlyMemory<char>> _buffer;
    private int[] _ids = [];

    public override ReadOnlySpan<int> Read()
    {
        getter(ref _buffer);
        int n = encoder.Limit(_buffer.Length);
        if (_ids.Length < n) _ids = new int[Math.Max(n, _ids.Length * 2)];
        if (_buffer.IsDense)
        {
            var values = _buffer.GetValues();
            for (int i = 0; i < n; i++) _ids[i] = encoder.IdOf(values[i].Span);
        }
        else
        {
            int empty = encoder.IdOf(default);
            int i = 0;
            foreach (var v in _buffer.DenseValues()) { if (i == n) break; _ids[i++] = v.IsEmpty ? empty : encoder.IdOf(v.Span); }
        }
        return _ids.AsSpan(0, n);
    }
}
