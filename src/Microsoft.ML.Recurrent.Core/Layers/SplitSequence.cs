using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One sequence's recurrent layers on two threads (<c>PredictorOptions.SingleSequenceThreads = 2</c>): every layer's
/// hidden units are cut in two and each thread runs its half of every step — the input projection and the
/// recurrent product h·W_hhᵀ for its units' gate columns, then the fused kernel — writes its half of h and waits for
/// the other half (one spin barrier a step). Batch-1 scoring is bound by streaming W_hhᵀ from L2 every step
/// (docs/performance.md); two cores stream half each.
/// </summary>
/// <remarks>
/// Every value is computed by the same operations as on one thread: each gate output keeps its FMA chain over the
/// input and over h in order (the GEMMs compute an output the same way whatever its column), and the kernels are
/// element-wise, so results are bit-identical (tested). Supported: LSTM (peepholes included), GRU in PyTorch's
/// reset-after form and the Elman RNN; the reset-before GRU (r∘h needs every unit's r before its product) and the
/// Jordan network run on one thread. The helper thread spins for <see cref="SpinTime"/> after each sequence, so
/// back-to-back calls find it awake, then parks; it holds no reference to the predictor.
/// </remarks>
internal sealed class SplitSequenceRunner : IDisposable
{
    /// <summary>How long the helper spins for the next sequence before it parks (a wake-up costs several µs).</summary>
    public static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(200);

    private readonly RecurrentArchitecture _a;
    private readonly Half[] _halves;
    private readonly int _gates;   // G: gate blocks per unit (LSTM 4, GRU 3, RNN 1)

    // Synchronization: step counters (cumulative over calls; both threads run the same steps), the job counter and
    // the park flag, each on its own cache line.
    private readonly PaddedLong[] _done = new PaddedLong[2];
    private PaddedLong _go, _parked;
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly long[] _barriers = new long[2];   // barriers each half has passed (its own counter's value)
    private volatile bool _stopping, _failed;
    private Exception? _helperError;
    private Thread? _helper;
    private int _busy;

    // The job in progress (set by the caller before it bumps _go; cleared after).
    private Workspace? _workspace;
    private int _jobSteps;

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong { [FieldOffset(64)] public long Value; }

    /// <summary>One thread's share: hidden units [Start, Start + Units) of every layer, and its own scratch.</summary>
    private sealed class Half
    {
        public int Start, Units;
        public float[][] Wih = [];     // per direction [G·U, I]: the W_ih rows of this half's gate columns
        public float[][] Bias = [];    // per direction [G·U]: the combined bias RecurrentLayer.Forward adds after the projection
        public float[][] Bhn = [];     // GRU reset-after, per direction [U]: b_hn, which stays inside r∘(W_hn h + b_hn)
        public float[][] Peep = [];    // LSTM, per direction [3U] or empty
        public float[][] Panels = [];  // per direction: this half's columns of W_hhᵀ [H, G·U] as [H, ≤256] panels
        public float[] Gates = [], Proj = [], Hn = [], TanhC = [];   // [T, G·U], [G·U], [U], [U]
    }

    /// <summary>True when <paramref name="a"/> can be split: a supported cell and at least 32 hidden units.</summary>
    public static bool Supports(RecurrentArchitecture a) => a.HiddenSize >= 32 && a.Recurrence != RnnRecurrence.Jordan
        && (a.Cell != RecurrentCellType.Gru || a.GruReset == GruResetMode.AfterRecurrentProduct);

    public SplitSequenceRunner(RecurrentNetwork network)
    {
        _a = network.Architecture;
        if (!Supports(_a)) throw new ArgumentException($"{_a.Cell} cells with these options run on one thread.", nameof(network));
        _gates = _a.GateCount;
        int H = _a.HiddenSize;
        // Split at a multiple of 16 near the middle, so both halves run whole 512-bit lanes where they can.
        int first = Math.Clamp((H / 2 + 8) / 16 * 16, 1, H - 1);
        _halves = [Build(network, 0, first), Build(network, first, H - first)];
    }

    private Half Build(RecurrentNetwork network, int start, int units)
    {
        var a = _a;
        int H = a.HiddenSize, G = _gates, gu = G * units, dirs = network.Layout.Directions.Length;
        var h = new Half
        {
            Start = start, Units = units, Wih = new float[dirs][], Bias = new float[dirs][], Bhn = new float[dirs][],
            Peep = new float[dirs][], Panels = new float[dirs][],
        };
        ReadOnlySpan<float> p = network.Parameters;
        bool gruAfter = a.Cell == RecurrentCellType.Gru;
        for (int d = 0; d < dirs; d++)
        {
            var o = network.Layout.Directions[d];
            int I = o.InputSize;
            ReadOnlySpan<float> wih = p.Slice(o.WeightIh, G * H * I), whh = p.Slice(o.WeightHh, G * H * H);
            ReadOnlySpan<float> bih = p.Slice(o.BiasIh, G * H), bhh = p.Slice(o.BiasHh, G * H);
            float[] w = h.Wih[d] = new float[gu * I], bias = h.Bias[d] = new float[gu], panels = h.Panels[d] = new float[H * gu];
            var whhT = new float[H * gu];   // this half's columns of W_hhᵀ, row-major [H, G·U]
            for (int g = 0; g < G; g++)
                for (int j = 0; j < units; j++)
                {
                    int src = g * H + start + j, dst = g * units + j;
                    wih.Slice(src * I, I).CopyTo(w.AsSpan(dst * I, I));
                    // As RecurrentLayer.Forward: b_ih + b_hh, except GRU reset-after's n block, which adds b_in only.
                    bias[dst] = gruAfter && g == 2 ? bih[src] : bih[src] + bhh[src];
                    for (int k = 0; k < H; k++) whhT[k * gu + dst] = whh[src * H + k];
                }
            for (int q = 0; q < gu; q += RecurrentLayer.PanelWidth)
            {
                int width = Math.Min(RecurrentLayer.PanelWidth, gu - q);
                for (int k = 0; k < H; k++) whhT.AsSpan(k * gu + q, width).CopyTo(panels.AsSpan(q * H + k * width, width));
            }
            h.Bhn[d] = gruAfter ? bhh.Slice(2 * H + start, units).ToArray() : [];
            float[] peep = h.Peep[d] = o.Peephole >= 0 ? new float[3 * units] : [];
            if (o.Peephole >= 0)
                for (int g = 0; g < 3; g++) p.Slice(o.Peephole + g * H + start, units).CopyTo(peep.AsSpan(g * units, units));
        }
        return h;
    }

    /// <summary>Claims the runner for one call; false when another call holds it (that call then runs on one thread).</summary>
    public bool TryEnter() => !_failed && !_stopping && Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void Exit() => Volatile.Write(ref _busy, 0);

    /// <summary>
    /// Runs every recurrent layer of one sequence of <paramref name="steps"/> steps (all active) on this thread and the
    /// helper. The layer-0 input is in <c>ws.X[0]</c>; afterwards the layers' outputs and states are in the workspace
    /// exactly as <see cref="RecurrentLayer.Forward"/> leaves them for pooling. Call between <see cref="TryEnter"/> and <see cref="Exit"/>.
    /// </summary>
    public void RunLayers(Workspace ws, int steps)
    {
        var a = _a;
        int H = a.HiddenSize;
        // h0 = c0 = 0 in the slot each direction reads first, for both halves, before the helper starts reading them.
        for (int i = 0; i < ws.Directions.Length; i++)
        {
            int first = i % a.Directions == 1 ? steps : 0;
            ws.Directions[i].Hs.AsSpan(first * H, H).Clear();
            if (a.Cell == RecurrentCellType.Lstm) ws.Directions[i].Cs.AsSpan(first * H, H).Clear();
        }
        foreach (var half in _halves)
        {
            Buffers.Grow(ref half.Gates, (long)steps * _gates * half.Units);
            Buffers.Grow(ref half.Proj, _gates * half.Units);
            Buffers.Grow(ref half.Hn, half.Units);
            Buffers.Grow(ref half.TanhC, half.Units);
        }
        _workspace = ws; _jobSteps = steps;
        EnsureHelper();
        Interlocked.Increment(ref _go.Value);
        if (Volatile.Read(ref _parked.Value) != 0) _wake.Set();
        try
        {
            Layers(0, ws, steps);
        }
        catch
        {
            _failed = true;   // the helper leaves its barrier; this runner is not used again
            throw;
        }
        finally
        {
            _workspace = null;
        }
    }

    /// <summary>Half <paramref name="p"/> of every layer and direction, in the order RecurrentNetwork.Forward runs them.</summary>
    private void Layers(int p, Workspace ws, int T)
    {
        var a = _a;
        int D = a.OutputSize, H = a.HiddenSize;
        for (int l = 0; l < a.NumberOfLayers; l++)
        {
            int inputSize = l == 0 ? a.InputSize : D;
            for (int d = 0; d < a.Directions; d++)
                Direction(p, l * a.Directions + d, ws.Directions[l * a.Directions + d], ws.X[l].AsSpan(0, T * inputSize), inputSize,
                    ws.X[l + 1], d * H, D, T, reverse: d == 1);
        }
    }

    /// <summary>One direction of one layer for half p: x [T, I] in; this half's columns of y [T, D] and of the states out.</summary>
    // Fully optimized from the first call: the helper thread enters this loop from a loop that never returns, and a
    // tier-0 or on-stack-replaced step loop on either side holds the other side at every barrier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Direction(int p, int index, DirectionBuffers buf, ReadOnlySpan<float> x, int I, Span<float> y, int yOffset, int D, int T, bool reverse)
    {
        var half = _halves[p];
        int H = _a.HiddenSize, U = half.Units, s = half.Start, gu = _gates * U;
        Span<float> gates = half.Gates.AsSpan(0, T * gu);
        // gates[T, G·U] = x · W_ihᵀ (this half's rows) + bias, as RecurrentLayer.Forward does for all columns.
        Sgemm.Multiply(false, true, T, gu, I, x, I, half.Wih[index], I, gates, gu, accumulate: false, rowBias: half.Bias[index]);
        float[] panels = half.Panels[index];
        for (int step = 0; step < T; step++)
        {
            int t = reverse ? T - 1 - step : step;
            int prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
            ReadOnlySpan<float> hPrev = buf.Hs.AsSpan(prev * H, H);
            Span<float> hOut = buf.Hs.AsSpan(cur * H + s, U), g = gates.Slice(t * gu, gu);
            switch (_a.Cell)
            {
                case RecurrentCellType.Lstm:
                    Product(hPrev, panels, gu, g, accumulate: true);
                    Lanes.Run(new LstmKernels.Forward
                    {
                        Gates = g, CPrev = buf.Cs.AsSpan(prev * H + s, U), Peephole = half.Peep[index],
                        C = buf.Cs.AsSpan(cur * H + s, U), TanhC = half.TanhC.AsSpan(0, U), HNew = hOut, Hidden = U,
                    });
                    break;
                case RecurrentCellType.Gru:
                    Span<float> proj = half.Proj.AsSpan(0, gu), hn = half.Hn.AsSpan(0, U);
                    Product(hPrev, panels, gu, proj, accumulate: false);
                    TensorPrimitives.Add(g[..(2 * U)], proj[..(2 * U)], g[..(2 * U)]);
                    TensorPrimitives.Add(proj.Slice(2 * U, U), half.Bhn[index], hn);
                    Lanes.Run(new GruKernels.ForwardResetAfter { Gates = g, Hn = hn, HPrev = hPrev.Slice(s, U), HNew = hOut, Hidden = U });
                    break;
                default:
                    Product(hPrev, panels, gu, g, accumulate: true);
                    Lanes.Run(new RnnKernels.Forward { Pre = g, HNew = hOut, Hidden = U, Relu = _a.RnnActivation == RnnActivation.Relu });
                    break;
            }
            if (!y.IsEmpty) hOut.CopyTo(y.Slice(t * D + yOffset + s, U));   // empty: "last" pooling reads the states
            Barrier(p);
        }
    }

    /// <summary>out[G·U] (+)= h[H] · (this half's W_hhᵀ), panel by panel as RecurrentLayer.HiddenProduct streams a one-row step.</summary>
    private void Product(ReadOnlySpan<float> h, float[] panels, int gu, Span<float> output, bool accumulate)
    {
        int H = _a.HiddenSize;
        for (int q = 0; q < gu; q += RecurrentLayer.PanelWidth)
        {
            int width = Math.Min(RecurrentLayer.PanelWidth, gu - q);
            Sgemm.Multiply(false, false, 1, width, H, h, H, panels.AsSpan(q * H, width * H), width, output[q..], gu, accumulate);
        }
    }

    /// <summary>Publishes this half's step and waits for the other half's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Barrier(int p)
    {
        long target = ++_barriers[p];
        Volatile.Write(ref _done[p].Value, target);
        while (Volatile.Read(ref _done[1 - p].Value) < target)
            if (_failed) throw new InvalidOperationException("The other half of a split sequence failed.", _helperError);
    }

    private void EnsureHelper()
    {
        if (_helper is not null) return;
        _helper = new Thread(HelperLoop) { IsBackground = true, Name = "Recurrent sequence helper" };
        _helper.Start();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HelperLoop()
    {
        long seen = 0;
        long spinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            long until = Stopwatch.GetTimestamp() + spinTicks;
            while (Volatile.Read(ref _go.Value) == seen)
            {
                if (_stopping) return;
                if (Stopwatch.GetTimestamp() < until) continue;
                // Park. The flag is set with a full fence before the job counter is read again, and the caller bumps
                // the counter (full fence) before it reads the flag: one of the two always sees the other.
                _wake.Reset();
                Interlocked.Exchange(ref _parked.Value, 1);
                if (Volatile.Read(ref _go.Value) == seen && !_stopping) _wake.Wait();
                Interlocked.Exchange(ref _parked.Value, 0);
                until = Stopwatch.GetTimestamp() + spinTicks;
            }
            seen++;
            try
            {
                Layers(1, _workspace!, _jobSteps);
            }
            catch (Exception e) when (e is not InvalidOperationException || !_failed)
            {
                _helperError = e;
                _failed = true;
                return;
            }
            catch (InvalidOperationException)
            {
                return;   // the caller's half failed first
            }
        }
    }

    /// <summary>
    /// Stops the helper (it exits at its next check); safe from a finalizer. The wake event is left to the GC: the
    /// helper may still be returning from a wait on it.
    /// </summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
    }
}
