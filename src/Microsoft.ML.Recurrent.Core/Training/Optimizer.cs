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

    public void Step(Span<float> p, ReadOnlySpan<float> g, float lr)
    {
        _step++;
        switch (_o.Optimizer)
        {
            case OptimizerKind.Sgd: Sgd(p, g, _m, lr, _o.Momentum, _o.WeightDecay); break;
            default:
                float b1 = _o.Beta1, b2 = _o.Beta2;
                float c1 = 1f / (1f - MathF.Pow(b1, _step)), c2 = 1f / (1f - MathF.Pow(b2, _step));
                bool decoupled = _o.Optimizer == OptimizerKind.AdamW;
                if (decoupled && _o.WeightDecay > 0) TensorPrimitives.Multiply(p, 1f - lr * _o.WeightDecay, p);
                OptimizerKernels.AdamStep(p, g, _m, _v, lr, b1, b2, c1, c2, _o.Epsilon, decoupled ? 0f : _o.WeightDecay);
                break;
        }
    }

    private static void Sgd(Span<float> p, ReadOnlySpan<float> g, Span<float> buf, float lr, float momentum, float l2)
    {
        for (int k = 0; k < p.Length; k++)
        {
            float gk = g[k] + l2 * p[k];
            buf[k] = momentum * buf[k] + gk;
            p[k] -= lr * buf[k];
        }
    }

    /// <summary>Scales g so that its global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static float ClipByGlobalNorm(Span<float> g, float maxNorm)
    {
        float norm = TensorPrimitives.Norm(g);
        if (maxNorm > 0 && norm > maxNorm) TensorPrimitives.Multiply(g, maxNorm / (norm + 1e-6f), g);
        return norm;
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
