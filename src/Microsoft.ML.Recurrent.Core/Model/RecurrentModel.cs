using Microsoft.ML.Recurrent.Model;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// A trained recurrent sequence classifier: its <see cref="RecurrentArchitecture"/>, its weights (PyTorch names and
/// layouts) and free-form string metadata. Immutable; predictions go through <see cref="CreatePredictor()"/>.
/// </summary>
public sealed partial class RecurrentModel
{
    private readonly float[] _parameters;
    private readonly Lazy<RecurrentPredictor> _predictor;

    internal RecurrentModel(RecurrentArchitecture architecture, float[] parameters, IReadOnlyDictionary<string, string>? metadata = null,
        TargetStandardization? targetStandardization = null)
    {
        architecture.Validate();
        Layout = new ParameterLayout(architecture);
        if (parameters.Length != Layout.Count)
            throw new ArgumentException($"The architecture has {Layout.Count} parameters; {parameters.Length} were given.", nameof(parameters));
        Architecture = architecture;
        _parameters = parameters;
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        TargetStandardization = CheckStandardization(architecture, targetStandardization);
        _predictor = new Lazy<RecurrentPredictor>(() => new RecurrentPredictor(this), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// A model from explicit weights, laid out as <see cref="Tensors"/> describes (e.g. copied from a PyTorch
    /// <c>state_dict</c> with the same names). The span is copied.
    /// </summary>
    public static RecurrentModel FromParameters(RecurrentArchitecture architecture, ReadOnlySpan<float> parameters, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return new RecurrentModel(architecture, parameters.ToArray(), metadata);
    }

    /// <summary>
    /// A model from a PyTorch <c>state_dict</c> saved as safetensors (e.g. <c>nn.Embedding</c> + <c>nn.LSTM</c> +
    /// <c>nn.Linear</c>; docs/onnx.md shows the mapping). Tensors are found by name: <paramref name="names"/> maps one
    /// of <see cref="Tensors"/>' names or module prefixes to the file's (<c>{ ["head"] = "fc" }</c>); otherwise the same
    /// key or the one key ending in <c>"." + name</c> (<c>lstm.weight_ih_l0</c>). Shapes must match and every tensor
    /// must be used. A damaged file gives <see cref="InvalidDataException"/>; a mismatch, <see cref="ArgumentException"/>.
    /// </summary>
    public static RecurrentModel FromSafetensors(string path, RecurrentArchitecture architecture, IReadOnlyDictionary<string, string>? names = null)
    {
        using var f = File.OpenRead(path);
        return FromSafetensors(f, architecture, names);
    }

    /// <summary>A model from a safetensors stream (seekable); see <see cref="FromSafetensors(string, RecurrentArchitecture, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public static RecurrentModel FromSafetensors(Stream stream, RecurrentArchitecture architecture, IReadOnlyDictionary<string, string>? names = null)
        => Import.SafetensorsImport.Read(stream, architecture, names);

    internal ParameterLayout Layout { get; }

    internal float[] RawParameters => _parameters;

    /// <summary>The network's shape.</summary>
    public RecurrentArchitecture Architecture { get; }

    /// <summary>Free-form metadata saved with the model (e.g. the vocabulary or label names of the layer above).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every parameter tensor: PyTorch name, offset into <see cref="Parameters"/>, shape.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => Layout.Tensors;

    /// <summary>All weights as one flat vector.</summary>
    public ReadOnlyMemory<float> Parameters => _parameters;

    /// <summary>The weights of one tensor, e.g. <c>weight_hh_l0</c>.</summary>
    public ReadOnlySpan<float> GetParameters(string name)
    {
        var t = Layout[name];
        return _parameters.AsSpan(t.Offset, t.Length);
    }

    /// <summary>A copy with other metadata.</summary>
    public RecurrentModel WithMetadata(IReadOnlyDictionary<string, string> metadata) => new(Architecture, _parameters, metadata, TargetStandardization);

    /// <summary>A thread-safe predictor; each thread that calls it gets its own scratch, reused across calls.</summary>
    public RecurrentPredictor CreatePredictor() => new(this);

    /// <summary>A thread-safe predictor with the given options (e.g. <see cref="PredictorOptions.NumberOfThreads"/>).</summary>
    public RecurrentPredictor CreatePredictor(PredictorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(this, options);
    }

    /// <summary>Class probabilities of one token sequence (convenience; allocates the result).</summary>
    public float[] PredictProbabilities(ReadOnlySpan<int> tokens)
    {
        var p = new float[Architecture.NumberOfClasses];
        _predictor.Value.PredictProbabilities(tokens, p);
        return p;
    }

    /// <summary>Class probabilities of one dense sequence (convenience; allocates the result).</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> features)
    {
        var p = new float[Architecture.NumberOfClasses];
        _predictor.Value.PredictProbabilities(features, p);
        return p;
    }

    /// <summary>Mean loss (with the dataset's example weights) and accuracy over a labelled dataset.</summary>
    public ModelEvaluation Evaluate(SequenceDataset data) => _predictor.Value.Evaluate(data);

    /// <summary>Writes the model in the format documented in docs/model-format.md.</summary>
    public void Save(Stream stream) => ModelFormat.Write(this, stream);

    /// <summary>Writes the model to a file.</summary>
    public void Save(string path)
    {
        using var f = File.Create(path);
        Save(f);
    }

    /// <summary>
    /// Writes the model as an ONNX graph (opset 17, standard LSTM/GRU/RNN operators) for ONNX Runtime and other ONNX
    /// servers: inputs <c>tokens</c> int64 [batch, steps] (or <c>features</c> float [batch, steps, FeaturesPerStep])
    /// and <c>lengths</c> int64 [batch]; outputs <c>probabilities</c> [batch, classes] and <c>logits</c>
    /// [batch, LogitCount]. See docs/onnx.md.
    /// </summary>
    public void ExportOnnx(Stream stream) => Onnx.OnnxExport.Write(this, stream);

    /// <summary>Writes the model as an ONNX file (see <see cref="ExportOnnx(Stream)"/>).</summary>
    public void ExportOnnx(string path)
    {
        using var f = File.Create(path);
        ExportOnnx(f);
    }

    /// <summary>Reads a model; a truncated, corrupted or hostile stream gives <see cref="InvalidDataException"/>.</summary>
    public static RecurrentModel Load(Stream stream) => ModelFormat.Read(stream);

    /// <summary>Reads a model from a file.</summary>
    public static RecurrentModel Load(string path)
    {
        using var f = File.OpenRead(path);
        return Load(f);
    }
}

/// <summary>Loss and accuracy of a model over a labelled dataset.</summary>
/// <param name="Loss">Weighted mean loss.</param>
/// <param name="Accuracy">Fraction of sequences whose most probable class is the label.</param>
/// <param name="Count">Sequences evaluated.</param>
public readonly record struct ModelEvaluation(double Loss, double Accuracy, int Count);
