using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// ML.NET's standard prediction columns and annotations, as its own binary and multiclass scorers write them, so
/// the evaluators, <c>MapKeyToValue</c> and <c>CreatePredictionEngine</c> treat our output like any trainer's.
/// </summary>
internal static class PredictionColumns
{
    private static readonly KeyDataViewType ScoreColumnSetIdType = new(typeof(uint), int.MaxValue);

    /// <summary>Input columns, then Score, [Probability,] PredictedLabel. The new columns hide input columns of the same names.</summary>
    public static DataViewSchema Build(DataViewSchema input, SequenceClassificationTask task, int classCount, string[]? classNames)
    {
        uint setId = NextScoreColumnSetId(input);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        if (task == SequenceClassificationTask.Regression)
        {
            builder.AddColumn(AnnotationNames.Score, NumberDataViewType.Single, Annotations(AnnotationNames.Regression, AnnotationNames.Score, setId, null));
            return builder.ToSchema();
        }
        string kind = task == SequenceClassificationTask.Binary ? AnnotationNames.BinaryClassification : AnnotationNames.MulticlassClassification;
        if (task == SequenceClassificationTask.Binary)
        {
            builder.AddColumn(AnnotationNames.Score, NumberDataViewType.Single, Annotations(kind, AnnotationNames.Score, setId, null));
            builder.AddColumn(AnnotationNames.Probability, NumberDataViewType.Single, Annotations(kind, AnnotationNames.Probability, setId, b =>
                b.Add(AnnotationNames.IsNormalized, BooleanDataViewType.Instance, (ref bool v) => v = true)));
            builder.AddColumn(AnnotationNames.PredictedLabel, BooleanDataViewType.Instance, Annotations(kind, AnnotationNames.PredictedLabel, setId, null));
        }
        else
        {
            var names = classNames is null ? null : Array.ConvertAll(classNames, s => s.AsMemory());
            builder.AddColumn(AnnotationNames.Score, new VectorDataViewType(NumberDataViewType.Single, classCount), Annotations(kind, AnnotationNames.Score, setId, b =>
            {
                if (names is not null) b.Add(AnnotationNames.SlotNames, new VectorDataViewType(TextDataViewType.Instance, classCount), Text(names));
            }));
            builder.AddColumn(AnnotationNames.PredictedLabel, new KeyDataViewType(typeof(uint), classCount), Annotations(kind, AnnotationNames.PredictedLabel, setId, b =>
            {
                if (names is not null) b.Add(AnnotationNames.KeyValues, new VectorDataViewType(TextDataViewType.Instance, classCount), Text(names));
            }));
        }
        return builder.ToSchema();
    }

    /// <summary>The same columns as a <see cref="SchemaShape"/> for pipeline validation.</summary>
    public static IEnumerable<SchemaShape.Column> Shape(SequenceClassificationTask task, SchemaShape.Column label)
    {
        var text = TextDataViewType.Instance;
        SchemaShape.Column Meta(string name, DataViewType type, bool vector = false, bool key = false) => MLNetInternals.MLNetAccess.Column(name, vector, type, key);
        List<SchemaShape.Column> Common() =>
        [
            Meta(AnnotationNames.ScoreColumnSetId, NumberDataViewType.UInt32, key: true),
            Meta(AnnotationNames.ScoreColumnKind, text),
            Meta(AnnotationNames.ScoreValueKind, text),
        ];
        if (task == SequenceClassificationTask.Regression)
            return [MLNetInternals.MLNetAccess.Column(AnnotationNames.Score, false, NumberDataViewType.Single, false, Common())];
        if (task == SequenceClassificationTask.Binary)
        {
            var prob = Common();
            prob.Add(Meta(AnnotationNames.IsNormalized, BooleanDataViewType.Instance));
            return
            [
                MLNetInternals.MLNetAccess.Column(AnnotationNames.Score, false, NumberDataViewType.Single, false, Common()),
                MLNetInternals.MLNetAccess.Column(AnnotationNames.Probability, false, NumberDataViewType.Single, false, prob),
                MLNetInternals.MLNetAccess.Column(AnnotationNames.PredictedLabel, false, BooleanDataViewType.Instance, false, Common()),
            ];
        }
        var score = Common();
        var predicted = Common();
        if (ShapeColumns.TryFind(label.Annotations, AnnotationNames.KeyValues, out var kv) && kv.Kind == SchemaShape.Column.VectorKind.Vector)
        {
            score.Add(Meta(AnnotationNames.SlotNames, text, vector: true));
            predicted.Add(Meta(AnnotationNames.KeyValues, text, vector: true));
        }
        return
        [
            MLNetInternals.MLNetAccess.Column(AnnotationNames.Score, true, NumberDataViewType.Single, false, score),
            MLNetInternals.MLNetAccess.Column(AnnotationNames.PredictedLabel, false, NumberDataViewType.UInt32, true, predicted),
        ];
    }

    private static DataViewSchema.Annotations Annotations(string kind, string valueKind, uint setId, Action<DataViewSchema.Annotations.Builder>? more)
    {
        var b = new DataViewSchema.Annotations.Builder();
        b.Add(AnnotationNames.ScoreColumnSetId, ScoreColumnSetIdType, (ref uint v) => v = setId);
        b.Add(AnnotationNames.ScoreColumnKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = kind.AsMemory());
        b.Add(AnnotationNames.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
        more?.Invoke(b);
        return b.ToAnnotations();
    }

    private static ValueGetter<VBuffer<ReadOnlyMemory<char>>> Text(ReadOnlyMemory<char>[] names) =>
        (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(names.Length, (ReadOnlyMemory<char>[])names.Clone());

    /// <summary>One more than the largest ScoreColumnSetId in the input, as ML.NET numbers successive scorers.</summary>
    private static uint NextScoreColumnSetId(DataViewSchema input)
    {
        uint max = 0;
        foreach (var c in input)
        {
            var a = c.Annotations.Schema.GetColumnOrNull(AnnotationNames.ScoreColumnSetId);
            if (a is null || a.Value.Type is not KeyDataViewType { RawType: var raw } || raw != typeof(uint)) continue;
            uint id = 0;
            c.Annotations.GetValue(AnnotationNames.ScoreColumnSetId, ref id);
            max = Math.Max(max, id);
        }
        return max + 1;
    }
}
