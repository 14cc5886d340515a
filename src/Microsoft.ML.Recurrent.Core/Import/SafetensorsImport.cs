using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Import;

/// <summary>
/// Builds a <see cref="RecurrentModel"/> from a PyTorch <c>state_dict</c> saved as safetensors
/// (<see cref="RecurrentModel.FromSafetensors(string, RecurrentArchitecture, IReadOnlyDictionary{string, string}?)"/>).
/// Each of the architecture's tensors (<see cref="RecurrentModel.Tensors"/>: <c>embedding.weight</c>,
/// <c>weight_ih_l0</c>, ..., <c>head.weight</c>, <c>head.bias</c>) is found in the file by, in order: an entry of
/// <c>names</c> for the full name or for its module (<c>"head" → "fc"</c>); the same key; the one key ending in
/// <c>"." + name</c> (so <c>lstm.weight_ih_l0</c> is found with no mapping). Shapes must match exactly, and every
/// tensor in the file must be used, so a wrong layer count or direction fails by name instead of loading half a model.
/// </summary>
internal static class SafetensorsImport
{
    public static RecurrentModel Read(Stream stream, RecurrentArchitecture architecture, IReadOnlyDictionary<string, string>? names)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        architecture.Validate();
        var file = SafetensorsFile.Open(stream);
        var layout = new ParameterLayout(architecture);
        var parameters = new float[layout.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in layout.Tensors)
        {
            string key = Resolve(tensor.Name, file, names);
            var entry = file.Tensors[key];
            if (!entry.Shape.SequenceEqual(tensor.Shape))
                throw new ArgumentException($"Tensor '{key}' (for {tensor.Name}) has shape [{string.Join(", ", entry.Shape)}]; the architecture expects [{string.Join(", ", tensor.Shape)}].", nameof(architecture));
            if (!used.Add(key)) throw new ArgumentException($"Tensor '{key}' is mapped to two parameters.", nameof(names));
            file.Read(entry, parameters.AsSpan(tensor.Offset, tensor.Length));
        }
        var unused = file.Tensors.Keys.Where(k => !used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unused.Count > 0)
            throw new ArgumentException($"The file holds tensors the architecture has no place for: {string.Join(", ", unused)}. " +
                "Check Cell, NumberOfLayers, Bidirectional and Peephole, or map the names.", nameof(architecture));
        return new RecurrentModel(architecture, parameters, file.Metadata);
    }

    private static string Resolve(string name, SafetensorsFile file, IReadOnlyDictionary<string, string>? names)
    {
        if (names != null)
        {
            if (names.TryGetValue(name, out var mapped)) return Require(mapped, name, file);
            int dot = name.IndexOf('.');
            if (dot > 0 && names.TryGetValue(name[..dot], out var module)) return Require(module + name[dot..], name, file);
        }
        if (file.Tensors.ContainsKey(name)) return name;
        var candidates = file.Tensors.Keys.Where(k => k.EndsWith("." + name, StringComparison.Ordinal)).ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new ArgumentException($"The file has no tensor for {name} (keys: {string.Join(", ", file.Tensors.Keys.Order(StringComparer.Ordinal))}). " +
                "Map it, e.g. names: {{ [\"head\"] = \"fc\" }}.", nameof(names)),
            _ => throw new ArgumentException($"Several tensors could be {name}: {string.Join(", ", candidates)}. Map it explicitly.", nameof(names)),
        };
    }

    private static string Require(string key, string name, SafetensorsFile file) => file.Tensors.ContainsKey(key) ? key
        : throw new ArgumentException($"{name} is mapped to '{key}', which the file does not hold.", "names");
}
