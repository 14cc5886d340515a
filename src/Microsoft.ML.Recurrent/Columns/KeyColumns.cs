using System.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads key-typed columns: a scalar key as a number, a key column's values as text (public ML.NET API only).</summary>
internal static class KeyColumns
{
    /// <summary>A getter of a scalar key column as a 1-based <see cref="ulong"/> (0 = missing), whatever its raw type.</summary>
    public static Func<ulong> KeyGetter(DataViewRow row, DataViewSchema.Column column) => column.Type.RawType switch
    {
        var t when t == typeof(uint) => MakeKeyGetter<uint>(row, column),
        var t when t == typeof(byte) => MakeKeyGetter<byte>(row, column),
        var t when t == typeof(ushort) => MakeKeyGetter<ushort>(row, column),
        var t when t == typeof(ulong) => MakeKeyGetter<ulong>(row, column),
        var t => throw new NotSupportedException($"Key column '{column.Name}' has raw type {t}."),
    };

    private static Func<ulong> MakeKeyGetter<T>(DataViewRow row, DataViewSchema.Column column) where T : IBinaryInteger<T>
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () => { getter(ref value); return ulong.CreateTruncating(value); };
    }

    /// <summary>The key values of a key column as text (null if it has none): class names, slot names.</summary>
    public static string[]? KeyValuesAsText(DataViewSchema.Column column)
    {
        var kv = column.Annotations.Schema.GetColumnOrNull(AnnotationNames.KeyValues);
        if (kv is null || kv.Value.Type is not VectorDataViewType vt) return null;
        var method = typeof(KeyColumns).GetMethod(nameof(ReadKeyValues), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(vt.ItemType.RawType);
        return (string[])method.Invoke(null, [column.Annotations])!;
    }

    private static string[] ReadKeyValues<T>(DataViewSchema.Annotations annotations)
    {
        VBuffer<T> values = default;
        annotations.GetValue(AnnotationNames.KeyValues, ref values);
        var result = new string[values.Length];
        int i = 0;
        foreach (var v in values.DenseValues()) result[i++] = v?.ToString() ?? "";
        return result;
    }
}

