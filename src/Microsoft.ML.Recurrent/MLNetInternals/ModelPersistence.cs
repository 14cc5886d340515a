// ---------------------------------------------------------------------------------------------------------------------
// Model persistence through ML.NET internals — the ONLY file that saves/loads through them (see README.md here).
//
// ML.NET 5.0 has no public way for a third party to make an ITransformer that mlContext.Model.Save can write and
// mlContext.Model.Load can read back: ModelSaveContext's members, ModelLoadContext, VersionInfo and
// LoadableClassAttribute are internal (dotnet/machinelearning#4911, #6839). This assembly is compiled against
// publicized reference copies of Microsoft.ML.Core/Data (eng/MLNet.Publicize.targets), and IgnoresAccessChecksTo
// below makes CoreCLR allow those calls at run time against the ordinary ML.NET assemblies.
//
// Saving: ModelSaveContext.SaveModel calls ICanSaveModel.Save → Save() below, which writes a version header naming
//   this assembly and the loader signature, then our payload.
// Loading: ModelLoadContext reads the header, Assembly.Load()s this assembly, ComponentCatalog.RegisterAssembly finds
//   the [assembly: LoadableClass] below and calls Create(). No registration call is needed from the user.
// ---------------------------------------------------------------------------------------------------------------------
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.MLNetInternals;
using Microsoft.ML.Runtime;

[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: LoadableClass(typeof(RecurrentSequenceClassificationTransformer), typeof(ModelPersistence), null, typeof(SignatureLoadModel),
    "Recurrent sequence classifier (LSTM/GRU/RNN)", ModelPersistence.LoaderSignature)]

namespace System.Runtime.CompilerServices
{
    /// <summary>
    /// Tells CoreCLR to skip visibility checks when this assembly uses the named assembly's non-public members. Not in
    /// the BCL's reference assemblies (the runtime recognises it by name), so it is declared here.
    /// </summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
    {
        public string AssemblyName { get; } = assemblyName;
    }
}

namespace Microsoft.ML.Recurrent.MLNetInternals
{
    /// <summary>Writes and reads <see cref="RecurrentSequenceClassificationTransformer"/> inside ML.NET model files.</summary>
    internal static class ModelPersistence
    {
        /// <summary>Name ML.NET files the loader under (≤ 24 ASCII chars).</summary>
        public const string LoaderSignature = "RecurrentSeqClassifier";

        /// <summary>8-char model signature in the sub-model header.</summary>
        private const string ModelSignature = "RNNSEQCL";

        // 0x00010001: first format.
        private const uint VersionCurrent = 0x00010001;

        private const uint PayloadMagic = 0x4C434E52; // "RNCL"

        private static VersionInfo GetVersionInfo() => new(
            modelSignature: ModelSignature,
            verWrittenCur: VersionCurrent,
            verReadableCur: VersionCurrent,
            verWeCanReadBack: VersionCurrent,
            loaderSignature: LoaderSignature,
            loaderAssemblyName: typeof(ModelPersistence).Assembly.FullName);

        /// <summary>
        /// Payload (little-endian, strings as BinaryWriter length-prefixed UTF-8):
        /// magic u32 · task u8 · input kind u8 · feature column · max steps i32 · features per step i32 ·
        /// [text] token count i32 + tokens (ids 0..n-1) · [key] key count u64 ·
        /// class-name count i32 (-1 = none) + names · engine model length i64 + RecurrentModel bytes (docs/model-format.md).
        /// </summary>
        public static void Save(RecurrentSequenceClassificationTransformer transformer, ModelSaveContext ctx)
        {
            ArgumentNullException.ThrowIfNull(ctx);
            ctx.CheckAtModel();
            ctx.SetVersionInfo(GetVersionInfo());
            var w = ctx.Writer;
            var s = transformer.Scorer;
            w.Write(PayloadMagic);
            w.Write((byte)s.Task);
            w.Write((byte)s.Encoder.Kind);
            w.Write(s.FeatureColumnName);
            w.Write(s.Encoder.MaxSteps);
            w.Write(s.Encoder.FeaturesPerStep);
            switch (s.Encoder.Kind)
            {
                case SequenceColumnKind.Text:
                    var vocabulary = s.Encoder.Vocabulary!;
                    w.Write(vocabulary.Length);
                    foreach (var token in vocabulary) w.Write(token);
                    break;
                case SequenceColumnKind.Key:
                    w.Write(s.Encoder.KeyCount);
                    break;
            }
            w.Write(s.ClassNames?.Length ?? -1);
            foreach (var name in s.ClassNames ?? []) w.Write(name);
            using var model = new MemoryStream();
            s.Model.Save(model);
            w.Write(model.Length);
            w.Write(model.GetBuffer(), 0, (int)model.Length);
        }

        /// <summary>Found by ML.NET's ComponentCatalog through the LoadableClass attribute above.</summary>
        private static RecurrentSequenceClassificationTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        {
            ArgumentNullException.ThrowIfNull(env);
            ArgumentNullException.ThrowIfNull(ctx);
            ctx.CheckAtModel(GetVersionInfo());
            var r = ctx.Reader;
            if (r.ReadUInt32() != PayloadMagic) throw new InvalidDataException("Corrupt recurrent sequence classifier in the model file (bad magic).");
            var task = (SequenceClassificationTask)r.ReadByte();
            var kind = (SequenceColumnKind)r.ReadByte();
            if (task is not (SequenceClassificationTask.Binary or SequenceClassificationTask.Multiclass or SequenceClassificationTask.Regression) || !Enum.IsDefined(kind))
                throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file (task {task}, input {kind}).");
            string featureColumn = r.ReadString();
            int maxSteps = r.ReadInt32();
            int featuresPerStep = r.ReadInt32();
            SequenceEncoder encoder;
            switch (kind)
            {
                case SequenceColumnKind.Text:
                    int n = r.ReadInt32();
                    if (n < 2 || n > 1 << 24) throw new InvalidDataException($"Corrupt vocabulary size {n} in the model file.");
                    var vocabulary = new string[n];
                    for (int i = 0; i < n; i++) vocabulary[i] = r.ReadString();
                    encoder = SequenceEncoder.ForText(vocabulary, maxSteps);
                    break;
                case SequenceColumnKind.Key:
                    encoder = SequenceEncoder.ForKeys(r.ReadUInt64(), maxSteps);
                    break;
                default:
                    encoder = SequenceEncoder.ForFloats(featuresPerStep, maxSteps);
                    break;
            }
            int classCount = r.ReadInt32();
            string[]? classNames = null;
            if (classCount >= 0)
            {
                if (classCount > 1 << 16) throw new InvalidDataException($"Corrupt class count {classCount} in the model file.");
                classNames = new string[classCount];
                for (int i = 0; i < classCount; i++) classNames[i] = r.ReadString();
            }
            long length = r.ReadInt64();
            if (length <= 0 || length > int.MaxValue) throw new InvalidDataException($"Corrupt engine model length {length} in the model file.");
            var bytes = r.ReadBytes((int)length);
            if (bytes.Length != length) throw new InvalidDataException("The model file ends inside the recurrent engine model.");
            var model = RecurrentModel.Load(new MemoryStream(bytes, writable: false));
            return new RecurrentSequenceClassificationTransformer(env, model, encoder, task, featureColumn, classNames, history: null);
        }
    }
}
