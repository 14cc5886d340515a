namespace Microsoft.ML.Recurrent;

/// <summary>The simple overloads' arguments as options.</summary>
internal static class SimpleOptions
{
    public static T Fill<T>(T o, string labelColumnName, string featureColumnName, string? exampleWeightColumnName,
        int hiddenSize, int numberOfLayers, bool bidirectional, int numberOfEpochs, int? featuresPerStep,
        float learningRate, int batchSize) where T : RecurrentSequenceClassifierOptions
    {
        o.LabelColumnName = labelColumnName;
        o.FeatureColumnName = featureColumnName;
        o.ExampleWeightColumnName = exampleWeightColumnName;
        o.HiddenSize = hiddenSize;
        o.NumberOfLayers = numberOfLayers;
        o.Bidirectional = bidirectional;
        o.NumberOfEpochs = numberOfEpochs;
        o.FeaturesPerStep = featuresPerStep;
        o.LearningRate = learningRate;
        o.BatchSize = batchSize;
        return o;
    }
}
