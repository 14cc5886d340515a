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
    /// <remarks>
    /// One source of truth: since version 0x00010002 the payload is only the engine model (docs/model-format.md),
    /// whose CRC-32 covers the weights, the architecture and the metadata the ML.NET layer needs (task, input kind,
    /// feature column, maximum sequence length, vocabulary or key count, class names); features per step and the
    /// vocabulary size come from the architecture. Loading derives everything from it and trusts no other byte.
    /// Every corrupted payload is rejected at load time with <see cref="InvalidDataException"/>, and nothing is
    /// allocated beyond the bytes the model entry actually holds.
    /// </remarks>
    internal static class ModelPersistence
    {
        /// <summary>Name ML.NET files the loader under (≤ 24 ASCII chars).</summary>
        public const string LoaderSignature = "RecurrentSeqClassifier";

        /// <summary>8-char model signature in the sub-model header.</summary>
        private const string ModelSignature = "RNNSEQCL";

        /// <summary>First format: the ML.NET fields stored beside the engine model. Still read; every field must agree with the engine model's checksummed metadata.</summary>
        private const uint VersionSeparateFields = 0x00010001;

        /// <summary>Current format: magic · engine model length · engine model, nothing else.</summary>
        private const uint VersionEngineModelOnly = 0x00010002;

        private const uint PayloadMagic = 0x4C434E52; // "RNCL"

        private static VersionInfo GetVersionInfo() => new(
            modelSignature: ModelSignature,
            verWrittenCur: VersionEngineModelOnly,
            verReadableCur: VersionEngineModelOnly,
            verWeCanReadBack: VersionSeparateFields,
            loaderSignature: LoaderSignature,
            loaderAssemblyName: typeof(ModelPersistence).Assembly.FullName);

        /// <summary>Payload (little-endian): magic u32 · engine model length i64 · RecurrentModel bytes.</summary>
        public static void Save(RecurrentSequenceClassificationTransformer transformer, ModelSaveContext ctx)
        {
            ArgumentNullException.ThrowIfNull(ctx);
            ctx.CheckAtModel();
            ctx.SetVersionInfo(GetVersionInfo());
            var s = transformer.Scorer;
            // The metadata is written from the scorer's own state, so what is saved is what scores.
            var metadata = new Dictionary<string, string>(s.Model.Metadata, StringComparer.Ordinal);
            foreach (var key in MetadataKeys.All) metadata.Remove(key);
            foreach (var (key, value) in ModelMetadata.Describe(s.Task, s.Encoder.Kind, s.FeatureColumnName, s.Encoder, s.ClassNames)) metadata[key] = value;
            using var model = new MemoryStream();
            s.Model.WithMetadata(metadata).Save(model);
            var w = ctx.Writer;
            w.Write(PayloadMagic);
            w.Write(model.Length);
            w.Write(model.GetBuffer(), 0, (int)model.Length);
        }

        /// <summary>Found by ML.NET's ComponentCatalog through the LoadableClass attribute above.</summary>
        private static RecurrentSequenceClassificationTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        {
            ArgumentNullException.ThrowIfNull(env);
            ArgumentNullException.ThrowIfNull(ctx);
            try
            {
                ctx.CheckAtModel(GetVersionInfo());
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file: {e.Message}", e);
            }
            var payload = ReadPayload(ctx);
            var loaded = ctx.Header.ModelVerWritten == VersionSeparateFields ? ReadSeparateFields(payload) : ReadEngineModelOnly(payload);
            return new RecurrentSequenceClassificationTransformer(env, loaded.Model, loaded.Encoder, loaded.Task, loaded.FeatureColumn, loaded.ClassNames, history: null);
        }

        /// <summary>The whole payload, sized by the model block ML.NET has checked against the entry's length.</summary>
        private static byte[] ReadPayload(ModelLoadContext ctx)
        {
            var stream = ctx.Reader.BaseStream;
            long end = ctx.FpMin + ctx.Header.FpModel + ctx.Header.CbModel;
            long available = end - stream.Position;
            if (available < 12 || end > stream.Length)
                throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file: the model block holds {available} bytes.");
            if (available > Array.MaxLength)
                throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file: the model block holds {available} bytes; the limit is {Array.MaxLength}.");
            var bytes = new byte[available];
            stream.ReadExactly(bytes);
            return bytes;
        }

        private readonly record struct Loaded(RecurrentModel Model, SequenceEncoder Encoder, SequenceClassificationTask Task, string FeatureColumn, string[]? ClassNames);

        private static Loaded ReadEngineModelOnly(byte[] payload)
        {
            var r = new PayloadReader(payload);
            if (r.UInt32("magic") != PayloadMagic) throw Corrupt("bad magic");
            var model = ReadEngineModel(ref r);
            return Derive(model);
        }

        /// <summary>
        /// Version 0x00010001 (saved before the payload was only the engine model): magic u32 · task u8 · input kind u8 ·
        /// feature column · max steps i32 · features per step i32 · [text] token count i32 + tokens · [key] key count u64 ·
        /// class-name count i32 (-1 = none) + names · engine model length i64 + bytes. The engine model's metadata
        /// already held checksummed copies of all of it: everything is taken from there and the separate fields must agree.
        /// </summary>
        private static Loaded ReadSeparateFields(byte[] payload)
        {
            var r = new PayloadReader(payload);
            if (r.UInt32("magic") != PayloadMagic) throw Corrupt("bad magic");
            int task = r.Byte("task"), kind = r.Byte("input kind");
            string featureColumn = r.String("feature column");
            int maxSteps = r.Int32("maximum sequence length");
            int featuresPerStep = r.Int32("features per step");
            string[]? vocabulary = null;
            ulong keyCount = 0;
            if (kind == (int)SequenceColumnKind.Text) vocabulary = r.Strings(r.Int32("vocabulary size"), "vocabulary");
            else if (kind == (int)SequenceColumnKind.Key) keyCount = r.UInt64("key count");
            int classCount = r.Int32("class count");
            string[]? classNames = classCount == -1 ? null : r.Strings(classCount, "class names");
            var loaded = Derive(ReadEngineModel(ref r));

            void Agree(bool same, string what)
            {
                if (!same) throw Corrupt($"{what}: the value stored beside the engine model differs from the engine model's checksummed copy");
            }
            Agree(task == (int)loaded.Task, "task");
            Agree(kind == (int)loaded.Encoder.Kind, "input kind");
            Agree(featureColumn == loaded.FeatureColumn, "feature column");
            Agree(maxSteps == loaded.Encoder.MaxSteps, "maximum sequence length");
            Agree(featuresPerStep == loaded.Encoder.FeaturesPerStep, "features per step");
            Agree(vocabulary is null ? loaded.Encoder.Vocabulary is null : loaded.Encoder.Vocabulary is { } v && v.AsSpan().SequenceEqual(vocabulary), "vocabulary");
            Agree(keyCount == loaded.Encoder.KeyCount, "key count");
            Agree(classNames is null ? loaded.ClassNames is null : loaded.ClassNames is { } c && c.AsSpan().SequenceEqual(classNames), "class names");
            return loaded;
        }

        /// <summary>Engine model length i64 + the engine model (its own checks: magic, CRC-32, bounds), ending the payload.</summary>
        private static RecurrentModel ReadEngineModel(ref PayloadReader r)
        {
            long length = r.Int64("engine model length");
            if (length != r.Remaining)
                throw Corrupt($"the engine model length is {length}; {r.Remaining} bytes follow");
            try
            {
                return RecurrentModel.Load(new MemoryStream(r.Bytes, r.Position, (int)length, writable: false));
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file: the engine model is invalid. {e.Message}", e);
            }
        }

        /// <summary>Everything the ML.NET layer needs, from the engine model's architecture and checksummed metadata.</summary>
        private static Loaded Derive(RecurrentModel model)
        {
            var a = model.Architecture;
            var m = model.Metadata;
            string Required(string key) => m.TryGetValue(key, out var v) ? v : throw Corrupt($"the engine model has no '{key}' metadata");

            var task = a.Classification switch
            {
                ClassificationKind.Binary => SequenceClassificationTask.Binary,
                ClassificationKind.Regression => SequenceClassificationTask.Regression,
                _ => SequenceClassificationTask.Multiclass,
            };
            if (m.TryGetValue(MetadataKeys.Task, out var taskText) && taskText != task.ToString())
                throw Corrupt($"the metadata says task '{taskText}' but the engine model has a {a.Classification} head");

            string kindText = Required(MetadataKeys.InputKind);
            SequenceColumnKind kind = kindText switch
            {
                nameof(SequenceColumnKind.Text) => SequenceColumnKind.Text,
                nameof(SequenceColumnKind.Key) => SequenceColumnKind.Key,
                nameof(SequenceColumnKind.Float) => SequenceColumnKind.Float,
                _ => throw Corrupt($"unknown input kind '{kindText}'"),
            };
            if ((kind == SequenceColumnKind.Float) != (a.InputKind == SequenceInputKind.Features))
                throw Corrupt($"input kind {kind} does not fit an engine model reading {a.InputKind}");

            string featureColumn = Required(MetadataKeys.FeatureColumn);
            if (string.IsNullOrWhiteSpace(featureColumn)) throw Corrupt("the feature column name is empty");
            string maxText = Required(MetadataKeys.MaxSequenceLength);
            if (!int.TryParse(maxText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int maxSteps))
                throw Corrupt($"the maximum sequence length '{maxText}' is not a number >= 0");

            SequenceEncoder encoder;
            switch (kind)
            {
                case SequenceColumnKind.Text:
                    var vocabulary = JsonStrings(Required(MetadataKeys.Vocabulary), "vocabulary");
                    if (vocabulary.Length != a.VocabularySize)
                        throw Corrupt($"the vocabulary has {vocabulary.Length} tokens; the engine model's embedding has {a.VocabularySize} rows");
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    for (int i = 2; i < vocabulary.Length; i++)
                        if (!seen.Add(vocabulary[i])) throw Corrupt($"the vocabulary holds '{vocabulary[i]}' twice");
                    encoder = SequenceEncoder.ForText(vocabulary, maxSteps);
                    break;
                case SequenceColumnKind.Key:
                    string keyText = Required(MetadataKeys.KeyCount);
                    if (!ulong.TryParse(keyText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong keyCount)
                        || keyCount + 2 != (ulong)a.VocabularySize)
                        throw Corrupt($"the key count '{keyText}' does not fit the engine model's embedding of {a.VocabularySize} rows (keys + padding + unknown)");
                    encoder = SequenceEncoder.ForKeys(keyCount, maxSteps);
                    break;
                default:
                    encoder = SequenceEncoder.ForFloats(a.FeaturesPerStep, maxSteps);
                    break;
            }

            string[]? classNames = null;
            if (m.TryGetValue(MetadataKeys.ClassNames, out var namesText))
            {
                classNames = JsonStrings(namesText, "class names");
                if (classNames.Length != a.NumberOfClasses)
                    throw Corrupt($"{classNames.Length} class names for an engine model with {a.NumberOfClasses} classes");
            }
            return new Loaded(model, encoder, task, featureColumn, classNames);
        }

        private static string[] JsonStrings(string json, string what)
        {
            string[]? values;
            try
            {
                values = System.Text.Json.JsonSerializer.Deserialize<string[]>(json);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file: the {what} are not a JSON array of strings.", e);
            }
            if (values is null || values.Any(v => v is null)) throw Corrupt($"the {what} are not a JSON array of strings");
            return values;
        }

        private static InvalidDataException Corrupt(string why) => new($"Corrupt recurrent sequence classifier in the model file: {why}.");

        /// <summary>Metadata keys written by <see cref="ModelMetadata.Describe"/>.</summary>
        private static class MetadataKeys
        {
            public const string Task = "mlnet.task";
            public const string InputKind = "mlnet.inputKind";
            public const string FeatureColumn = "mlnet.featureColumn";
            public const string MaxSequenceLength = "mlnet.maxSequenceLength";
            public const string Vocabulary = "mlnet.vocabulary";
            public const string KeyCount = "mlnet.keyCount";
            public const string ClassNames = "mlnet.classNames";
            public static readonly string[] All = [Task, InputKind, FeatureColumn, MaxSequenceLength, Vocabulary, KeyCount, ClassNames];
        }

        /// <summary>Bounds-checked little-endian reader over the payload: every count is checked against the bytes left before anything is allocated.</summary>
        private struct PayloadReader(byte[] bytes)
        {
            public readonly byte[] Bytes = bytes;
            public int Position;
            public readonly int Remaining => Bytes.Length - Position;

            private ReadOnlySpan<byte> Take(int n, string what)
            {
                if (n < 0 || n > Remaining) throw Corrupt($"the payload ends inside the {what} (needs {n} bytes at offset {Position}, {Remaining} left)");
                var span = Bytes.AsSpan(Position, n);
                Position += n;
                return span;
            }

            public byte Byte(string what) => Take(1, what)[0];
            public int Int32(string what) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));
            public uint UInt32(string what) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));
            public long Int64(string what) => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));
            public ulong UInt64(string what) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

            /// <summary>A BinaryWriter string: 7-bit encoded byte length, then strict UTF-8.</summary>
            public string String(string what)
            {
                int length = 0;
                for (int shift = 0; ; shift += 7)
                {
                    if (shift > 28) throw Corrupt($"the {what} has a malformed length");
                    byte b = Byte(what);
                    length |= (b & 0x7F) << shift;
                    if ((b & 0x80) == 0) break;
                }
                try
                {
                    return new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length, what));
                }
                catch (System.Text.DecoderFallbackException e)
                {
                    throw new InvalidDataException($"Corrupt recurrent sequence classifier in the model file: the {what} is not valid UTF-8.", e);
                }
            }

            public string[] Strings(int count, string what)
            {
                // Each string takes at least its one length byte: a count beyond the bytes left is rejected before allocating.
                if (count < 0 || count > Remaining) throw Corrupt($"the {what} count {count} exceeds the {Remaining} bytes left");
                var values = new string[count];
                for (int i = 0; i < count; i++) values[i] = String(what);
                return values;
            }
        }
    }
}
