namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Format version 2 (docs/model-format.md): version 1 plus what regression heads and Jordan cells need — three more
/// architecture fields (number of outputs, RNN recurrence, Jordan output size) and, after the parameters, the target
/// standardisation (empty for a classifier). Every other model is still written as version 1, byte for byte as
/// before, so files stay readable by every release; both versions are read.
/// </summary>
internal static partial class ModelFormat
{
    public const uint LatestVersion = 2;

    /// <summary>The oldest version that can hold the model: 2 only for a regression head or a Jordan cell.</summary>
    private static uint VersionFor(RecurrentArchitecture a)
        => a.Classification == ClassificationKind.Regression || a.Recurrence != RnnRecurrence.Elman ? 2u : Version;

    private static int ArchitectureFieldsOf(uint version) => version >= 2 ? ArchitectureFields + 3 : ArchitectureFields;

    /// <summary>Fields 16–18: number of outputs, RNN recurrence (0 Elman, 1 Jordan), Jordan output size.</summary>
    private static void WriteVersion2Fields(BinaryWriter w, RecurrentArchitecture a)
    {
        w.Write(a.NumberOfOutputs); w.Write((int)a.Recurrence); w.Write(a.JordanOutputSize);
    }

    private static RecurrentArchitecture ReadVersion2Fields(Reader r, RecurrentArchitecture a) => a with
    {
        NumberOfOutputs = r.Int32("number of outputs"),
        Recurrence = (RnnRecurrence)r.Int32("RNN recurrence"),
        JordanOutputSize = r.Int32("Jordan output size"),
    };

    /// <summary>int32 K (0 for a classifier), then K float32 means and K float32 scales.</summary>
    private static void WriteTargetStandardization(BinaryWriter w, RecurrentModel model)
    {
        if (model.TargetStandardization is not { } s)
        {
            w.Write(0);
            return;
        }
        w.Write(s.Count);
        foreach (float v in s.Mean) w.Write(v);
        foreach (float v in s.Scale) w.Write(v);
    }

    private static TargetStandardization? ReadTargetStandardization(Reader r, RecurrentArchitecture a)
    {
        int count = r.Int32("target standardisation count");
        if (a.Classification != ClassificationKind.Regression)
            return count == 0 ? null : throw new InvalidDataException($"A classifier holds a target standardisation of {count} outputs; expected 0.");
        if (count != a.NumberOfOutputs)
            throw new InvalidDataException($"The target standardisation has {count} outputs; the architecture has {a.NumberOfOutputs}.");
        r.Require(8L * count, "target standardisation");
        var mean = new float[count];
        var scale = new float[count];
        r.Floats(mean);
        r.Floats(scale);
        try
        {
            return new TargetStandardization(mean, scale);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid target standardisation in model file: {e.Message}", e);
        }
    }
}
