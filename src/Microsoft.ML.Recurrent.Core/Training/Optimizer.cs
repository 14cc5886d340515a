using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Parameter update over the flat parameter vector: Adam (L2 weight decay added to the gradient, as
/// <c>torch.optim.Adam</c>), AdamW (decoupled decay, <c>torch.optim.AdamW</c>), SGD with momentum
/// (<c>torch.optim.SGD</c>: buf = μ·buf + g; p −= lr·buf). One fused SIMD pass per step.
/// </summary>
internal sealed class Optimizer
{
    private readonly TrainingOptions _o;
    private readonly float[] _m, _v;
    private long _step;

    public Optimizer(TrainingOptions options, int count)
    {
        _o = options;
        _m = new float[count];
        _v = options.Optimizer == OptimizerKind.Sgd ? [] : new float[count];
    }

    /// <summary>One whole update: <see cref="BeginStep"/> then <see cref="UpdateRange"/> over everything.</summary>
    public void Step(Span<float> p, ReadOnlySpan<float> g, float lr)
    {
        BeginStep();
        UpdateRange(p, g, lr, 0, p.Length);
    }

    /// <summary>Advances the step count (Adam's bias corrections); call once per update, before the ranges.</summary>
    public void BeginStep() => _step++;

    /// <summary>
    /// Updates parameters [start, start+length) with the gradient <paramref name="gradientScale"/>·g (the clipping
    /// factor; 1 = as is). Every element's update depends only on its own p, g and moments, so threads may update
    /// disjoint ranges of one step at once.
    /// </summary>
    public void UpdateRange(Span<float> p, ReadOnlySpan<float> g, float lr, int start, int length, float gradientScale = 1f)
    {
        Span<float> pr = p.Slice(start, length), m = _m.AsSpan(start, length);
        ReadOnlySpan<float> gr = g.Slice(start, length);
        switch (_o.Optimizer)
        {
            case OptimizerKind.Sgd: Sgd(pr, gr, gradientScale, m, lr, _o.Momentum, _o.WeightDecay); break;
            default:
                float b1 = _o.Beta1, b2 = _o.Beta2;
                float c1 = 1f / (1f - MathF.Pow(b1, _step)), c2 = 1f / (1f - MathF.Pow(b2, _step));
                bool decoupled = _o.Optimizer == OptimizerKind.AdamW;
                if (decoupled && _o.WeightDecay > 0) TensorPrimitives.Multiply(pr, 1f - lr * _o.WeightDecay, pr);
                Lanes.Run(new OptimizerKernels.Adam
                {
                    Parameters = pr, Gradient = gr, Moment1 = m, Moment2 = _v.AsSpan(start, length),
                    Lr = lr * c1, B1 = b1, B2 = b2, C2 = c2, Eps = _o.Epsilon, L2 = decoupled ? 0f : _o.WeightDecay, Scale = gradientScale,
                });
                break;
        }
    }

    private static void Sgd(Span<float> p, ReadOnlySpan<float> g, float scale, Span<float> buf, float lr, float momentum, float l2)
    {
        for (int k = 0; k < p.Length; k++)
        {
            float gk = g[k] * scale + l2 * p[k];
            buf[k] = momentum * buf[k] + gk;
            p[k] -= lr * buf[k];
        }
    }

    /// <summary>The factor that brings a gradient of squared L2 norm <paramref name="normSquared"/> to at most <paramref name="maxNorm"/> (1 if it already is, or if clipping is off).</summary>
    public static float ClipScale(double normSquared, float maxNorm)
    {
        double norm = Math.Sqrt(normSquared);
        return maxNorm > 0 && norm > maxNorm ? (float)(maxNorm / (norm + 1e-6)) : 1f;
    }

    /// <summary>Learning rate at (0-based) step <paramref name="step"/> of <paramref name="total"/>.</summary>
    public static float LearningRate(TrainingOptions o, long step, long total)
    {
        long warm = o.WarmupSteps;
        if (o.Schedule != LearningRateSchedule.Constant && step < warm) return o.LearningRate * (step + 1) / warm;
        double progress = total <= warm ? 1 : Math.Clamp((double)(step - warm) / (total - warm), 0, 1);
        return o.Schedule switch
        {
            LearningRateSchedule.WarmupLinearDecay => (float)(o.LearningRate * (1 - progress)),
            LearningRateSchedule.Cosine => (float)(o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress))),
            _ => o.LearningRate,
        };
    }
}
