// Sentiment of short reviews with an LSTM in an ML.NET pipeline.
//   dotnet run -c Release --project samples/QuickStart [-- EPOCHS]     (default 50; the tests run 1)
using Microsoft.ML;
using Microsoft.ML.Recurrent;
using QuickStart;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 50;
var mlContext = new MLContext(seed: 1);
IDataView data = mlContext.Data.LoadFromEnumerable(Review.Examples());
var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

var pipeline = mlContext.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
    .Append(mlContext.BinaryClassification.Trainers.Lstm(labelColumnName: "Label", featureColumnName: "Tokens", numberOfEpochs: epochs));
ITransformer model = pipeline.Fit(split.TrainSet);

var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"Test accuracy: {metrics.Accuracy:F3}, AUC: {metrics.AreaUnderRocCurve:F3}");

mlContext.Model.Save(model, data.Schema, "sentiment-lstm.zip");
ITransformer loaded = mlContext.Model.Load("sentiment-lstm.zip", out _);
var engine = mlContext.Model.CreatePredictionEngine<Review, ReviewPrediction>(loaded);
foreach (string text in new[] { "a truly wonderful film", "the plot was dull and the acting awful" })
{
    ReviewPrediction p = engine.Predict(new Review { Text = text });
    Console.WriteLine($"\"{text}\": {(p.PredictedLabel ? "positive" : "negative")} (probability {p.Probability:F3})");
}
