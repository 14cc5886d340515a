using System.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>A vector of keys → ids: key k is id k + 1; missing keys and keys above the trained count → 1 (unknown).</summary>
internal sealed class KeyTokenReader<T>(SequenceEncoder encoder, ValueGetter<VBuffer<T>> getter) : TokenSequenceReader where T : IBinaryInteger<T>
{
    private VBuffer<T> _buffer;
    private int[] _ids = [];

    public override ReadOnlySpan<int> Read()
    {
        getter(ref _buffer);
        int n = encoder.Limit(_buffer.Length);
        if (_ids.Length < n) _ids = new int[Math.Max(n, _ids.Length * 2)];
        int i = 0;
        foreach (var v in _buffer.DenseValues()) { if (i == n) break; _ids[i++] = encoder.IdOfKey(ulong.CreateTruncating(v)); }
        return _ids.AsSpan(0, n);
    }
}
