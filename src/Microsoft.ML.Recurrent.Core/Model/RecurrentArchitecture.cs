namespace Microsoft.ML.Recurrent;

/// <summary>The recurrent cell of every layer.</summary>
public enum RecurrentCellType
{
    /// <summary>Elman RNN: <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>.</summary>
    Rnn = 0,
    /// <summary>LSTM with forget gate, PyTorch gate order i, f, g, o.</summary>
    Lstm = 1,
    /// <summary>GRU, PyTorch gate order r, z, n; see <see cref="GruResetMode"/> for where the reset gate applies.</summary>
    Gru = 2,
}

/// <summary>Non-linearity of the Elman RNN cell.</summary>
public enum RnnActivation
{
    /// <summary>tanh (PyTorch's default).</summary>
    Tanh = 0,
    /// <summary>ReLU.</summary>
    Relu = 1,
}

/// <summary>What the recurrence of the plain RNN cell (<see cref="RecurrentCellType.Rnn"/>) runs through.</summary>
public enum RnnRecurrence
{
    /// <summary>Elman: the previous hidden state, <c>h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)</c> (PyTorch's <c>nn.RNN</c>).</summary>
    Elman = 0,
    /// <summary>
    /// Jordan: the previous step's output, a learned projection of the hidden state:
    /// <c>h_t = act(W_ih x_t + b_ih + W_hy y_{t-1} + b_hy)</c>, <c>y_t = W_yh h_t + b_yh</c>, with y of
    /// <see cref="RecurrentArchitecture.JordanOutputSize"/> values. The layer's output sequence is still h.
    /// </summary>
    Jordan = 1,
}

/// <summary>Where the GRU reset gate is applied.</summary>
public enum GruResetMode
{
    /// <summary>PyTorch/cuDNN: <c>n = tanh(W_in x + b_in + r∘(W_hn h + b_hn))</c>. Weights interchange with <c>torch.nn.GRU</c>.</summary>
    AfterRecurrentProduct = 0,
    /// <summary>Textbook (Cho et al. 2014): <c>n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn)</c>.</summary>
    BeforeRecurrentProduct = 1,
}

/// <summary>How the top layer's output sequence is reduced to one vector per sequence.</summary>
public enum SequencePooling
{
    /// <summary>The final hidden state: forward direction at the last real step, reverse direction at step 0 (PyTorch's <c>h_n</c>).</summary>
    Last = 0,
    /// <summary>Mean of the outputs over the real (unpadded) steps.</summary>
    Mean = 1,
    /// <summary>Element-wise maximum of the outputs over the real steps.</summary>
    Max = 2,
}

/// <summary>What one step of an input sequence is.</summary>
public enum SequenceInputKind
{
    /// <summary>A token id looked up in a trained embedding. Id 0 is padding (a zero vector, never trained), id 1 is the unknown token.</summary>
    Tokens = 0,
    /// <summary>A dense vector of <see cref="RecurrentArchitecture.FeaturesPerStep"/> floats.</summary>
    Features = 1,
}

/// <summary>The classifier head on top of the pooled sequence vector.</summary>
public enum ClassificationKind
{
    /// <summary>One logit and a sigmoid, binary cross-entropy; probabilities are reported for classes 0 and 1.</summary>
    Binary = 0,
    /// <summary>One logit per class and a softmax, cross-entropy.</summary>
    Multiclass = 1,
    /// <summary>
    /// Regression: <see cref="RecurrentArchitecture.NumberOfOutputs"/> real values, no activation; the loss is
    /// <see cref="TrainingOptions.RegressionLoss"/> on standardised targets (see <see cref="TargetStandardization"/>).
    /// </summary>
    Regression = 2,
}

/// <summary>
/// The shape of a recurrent sequence classifier: input → [embedding] → stacked (bi)directional recurrent layers
/// → pooling over time → dense head. Equations, gate order and bias layout follow PyTorch, so weights are interchangeable.
/// </summary>
public sealed record RecurrentArchitecture
{
    /// <summary>Token id reserved for padding: its embedding is zero and receives no gradient.</summary>
    public const int PaddingId = 0;

    /// <summary>Token id of the unknown token: trained like any other; ids at or above the vocabulary size map to it at prediction time.</summary>
    public const int UnknownId = 1;

    /// <summary>The recurrent cell.</summary>
    public RecurrentCellType Cell { get; init; } = RecurrentCellType.Lstm;

    /// <summary>Non-linearity of <see cref="RecurrentCellType.Rnn"/> cells.</summary>
    public RnnActivation RnnActivation { get; init; } = RnnActivation.Tanh;

    /// <summary>Recurrence of <see cref="RecurrentCellType.Rnn"/> cells: Elman (hidden state) or Jordan (previous output).</summary>
    public RnnRecurrence Recurrence { get; init; } = RnnRecurrence.Elman;

    /// <summary>Jordan cells: size of the output y fed back to the next step; 0 means <see cref="HiddenSize"/>.</summary>
    public int JordanOutputSize { get; init; }

    /// <summary>Width of what each step reads from the previous one: y (Jordan) or h (every other cell).</summary>
    internal int RecurrentSize => Recurrence == RnnRecurrence.Jordan ? (JordanOutputSize > 0 ? JordanOutputSize : HiddenSize) : HiddenSize;

    /// <summary>LSTM peephole connections (diagonal; i and f see c_{t-1}, o sees c_t).</summary>
    public bool Peephole { get; init; }

    /// <summary>GRU form.</summary>
    public GruResetMode GruReset { get; init; } = GruResetMode.AfterRecurrentProduct;

    /// <summary>Token ids or dense feature steps.</summary>
    public SequenceInputKind InputKind { get; init; } = SequenceInputKind.Tokens;

    /// <summary>Number of token ids (including padding 0 and unknown 1), for <see cref="SequenceInputKind.Tokens"/>.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Embedding width, for <see cref="SequenceInputKind.Tokens"/>.</summary>
    public int EmbeddingSize { get; init; } = 64;

    /// <summary>Floats per step, for <see cref="SequenceInputKind.Features"/>.</summary>
    public int FeaturesPerStep { get; init; }

    /// <summary>Hidden state size of each direction of each layer.</summary>
    public int HiddenSize { get; init; } = 128;

    /// <summary>Number of stacked recurrent layers.</summary>
    public int NumberOfLayers { get; init; } = 1;

    /// <summary>Run a second, reverse-time direction in every layer and concatenate the two.</summary>
    public bool Bidirectional { get; init; }

    /// <summary>Dropout probability applied to the outputs of every layer but the last, during training.</summary>
    public float Dropout { get; init; }

    /// <summary>Pooling over time.</summary>
    public SequencePooling Pooling { get; init; } = SequencePooling.Last;

    /// <summary>Binary (sigmoid) or multiclass (softmax) head.</summary>
    public ClassificationKind Classification { get; init; } = ClassificationKind.Multiclass;

    /// <summary>Number of classes; must be 2 for <see cref="ClassificationKind.Binary"/>.</summary>
    public int NumberOfClasses { get; init; } = 2;

    /// <summary>Real-valued outputs of a <see cref="ClassificationKind.Regression"/> head (ignored otherwise).</summary>
    public int NumberOfOutputs { get; init; } = 1;

    /// <summary>Number of directions (1 or 2).</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Width of each layer's output and of the pooled vector: <c>HiddenSize × Directions</c>.</summary>
    public int OutputSize => HiddenSize * Directions;

    /// <summary>Width of the first recurrent layer's input.</summary>
    public int InputSize => InputKind == SequenceInputKind.Tokens ? EmbeddingSize : FeaturesPerStep;

    /// <summary>Gates per cell: 4 (LSTM), 3 (GRU), 1 (RNN).</summary>
    public int GateCount => Cell switch { RecurrentCellType.Lstm => 4, RecurrentCellType.Gru => 3, _ => 1 };

    /// <summary>Number of head logits: 1 for binary, the output count for regression, else the class count.</summary>
    public int LogitCount => Classification switch { ClassificationKind.Binary => 1, ClassificationKind.Regression => NumberOfOutputs, _ => NumberOfClasses };

    // Upper bounds keep a hostile model file or a typo from asking for absurd allocations.
    internal const int MaxDimension = 1 << 16;
    internal const int MaxVocabulary = 1 << 24;
    internal const int MaxLayers = 64;

    /// <summary>
    /// Largest <see cref="HiddenSize"/>: an LSTM layer of 8192 already holds 268 M recurrent weights (1 GiB, plus
    /// three times that for gradients and Adam moments) and its orthogonal initialisation costs ~3.5·H³ flops per gate.
    /// </summary>
    public const int MaxHiddenSize = 8192;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Require(Enum.IsDefined(Cell), nameof(Cell), Cell, "a RecurrentCellType value");
        Require(Enum.IsDefined(RnnActivation), nameof(RnnActivation), RnnActivation, "a RnnActivation value");
        Require(Enum.IsDefined(GruReset), nameof(GruReset), GruReset, "a GruResetMode value");
        Require(Enum.IsDefined(InputKind), nameof(InputKind), InputKind, "a SequenceInputKind value");
        Require(Enum.IsDefined(Pooling), nameof(Pooling), Pooling, "a SequencePooling value");
        Require(Enum.IsDefined(Classification), nameof(Classification), Classification, "a ClassificationKind value");
        Require(!Peephole || Cell == RecurrentCellType.Lstm, nameof(Peephole), Peephole, "false unless Cell is Lstm");
        Require(Enum.IsDefined(Recurrence), nameof(Recurrence), Recurrence, "a RnnRecurrence value");
        Require(Recurrence == RnnRecurrence.Elman || Cell == RecurrentCellType.Rnn, nameof(Recurrence), Recurrence, "Elman unless Cell is Rnn");
        Require(JordanOutputSize is >= 0 and <= MaxDimension, nameof(JordanOutputSize), JordanOutputSize, $"0..{MaxDimension} (0 = HiddenSize)");
        if (InputKind == SequenceInputKind.Tokens)
        {
            Require(VocabularySize > UnknownId && VocabularySize <= MaxVocabulary, nameof(VocabularySize), VocabularySize, $"2..{MaxVocabulary} (ids 0 and 1 are padding and unknown)");
            Require(EmbeddingSize is > 0 and <= MaxDimension, nameof(EmbeddingSize), EmbeddingSize, $"1..{MaxDimension}");
        }
        else
        {
            Require(FeaturesPerStep is > 0 and <= MaxDimension, nameof(FeaturesPerStep), FeaturesPerStep, $"1..{MaxDimension}");
        }
        Require(HiddenSize is > 0 and <= MaxHiddenSize, nameof(HiddenSize), HiddenSize, $"1..{MaxHiddenSize}");
        Require(NumberOfLayers is > 0 and <= MaxLayers, nameof(NumberOfLayers), NumberOfLayers, $"1..{MaxLayers}");
        Require(Dropout is >= 0f and < 1f, nameof(Dropout), Dropout, "0 <= p < 1");
        if (Classification == ClassificationKind.Regression)
        {
            // NumberOfClasses is unused by a regression head but still sizes a scratch buffer, so it stays bounded.
            Require(NumberOfOutputs is > 0 and <= MaxDimension, nameof(NumberOfOutputs), NumberOfOutputs, $"1..{MaxDimension}");
            Require(NumberOfClasses is >= 0 and <= MaxDimension, nameof(NumberOfClasses), NumberOfClasses, $"0..{MaxDimension} (unused by a regression head)");
        }
        else Require(Classification == ClassificationKind.Multiclass ? NumberOfClasses is >= 2 and <= MaxDimension : NumberOfClasses == 2,
            nameof(NumberOfClasses), NumberOfClasses, Classification == ClassificationKind.Binary ? "2 for a binary head" : $"2..{MaxDimension}");
        long total = Model.ParameterLayout.CountParameters(this);
        if (total > int.MaxValue)
            throw new ArgumentException($"RecurrentArchitecture has {total} parameters (HiddenSize {HiddenSize}, NumberOfLayers {NumberOfLayers}, " +
                $"VocabularySize {VocabularySize} × EmbeddingSize {EmbeddingSize}); at most {int.MaxValue} are supported.", nameof(HiddenSize));
    }

    private static void Require<T>(bool ok, string name, T value, string expected)
    {
        if (!ok) throw new ArgumentException($"RecurrentArchitecture.{name} is {value}; expected {expected}.", name);
    }
}
