namespace Microsoft.ML.Recurrent;

/// <summary>Finds a column of a <see cref="SchemaShape"/> by name with public API (SchemaShape.TryFindColumn is internal).</summary>
internal static class ShapeColumns
{
    public static bool TryFind(SchemaShape shape, string name, out SchemaShape.Column column)
    {
        foreach (var c in shape)
        {
            if (c.Name != name) continue;
            column = c;
            return true;
        }
        column = default;
        return false;
    }
}
