using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Kernels;

// Register-blocked micro-kernels for Sgemm. Each computes one [8, w] tile of C:
//   C[8,w] = (load ? C : 0) + sum_p a[p*aStride + r] * b[p*bStride + j],  p = 0..kc-1 in order.
// a: [kc,8] A panel (8 consecutive floats per depth), b: [kc,w] B panel (w consecutive floats per depth).
// Accumulators are named locals so the JIT keeps all of them in registers (32 zmm on AVX-512).
internal static unsafe partial class Sgemm
{
    /// <summary>8x48 AVX-512 tile: C[8,48] (+)= Apanel[kc,8] . Bpanel[kc,48]. 24 zmm accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x48(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default;
        Vector512<float> c70 = default, c71 = default, c72 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0); Vector512<float> b1 = Vector512.Load(b + 16); Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01); c02 = Avx512F.FusedMultiplyAdd(a0, b2, c02);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11); c12 = Avx512F.FusedMultiplyAdd(a1, b2, c12);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21); c22 = Avx512F.FusedMultiplyAdd(a2, b2, c22);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31); c32 = Avx512F.FusedMultiplyAdd(a3, b2, c32);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41); c42 = Avx512F.FusedMultiplyAdd(a4, b2, c42);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51); c52 = Avx512F.FusedMultiplyAdd(a5, b2, c52);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61); c62 = Avx512F.FusedMultiplyAdd(a6, b2, c62);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71); c72 = Avx512F.FusedMultiplyAdd(a7, b2, c72);
            a += aStride;
            b += bStride;
        }
        if (load)
        {
            { float* cr = c + 0 * ldc; c00 += Vector512.Load(cr + 0); c01 += Vector512.Load(cr + 16); c02 += Vector512.Load(cr + 32); }
            { float* cr = c + 1 * ldc; c10 += Vector512.Load(cr + 0); c11 += Vector512.Load(cr + 16); c12 += Vector512.Load(cr + 32); }
            { float* cr = c + 2 * ldc; c20 += Vector512.Load(cr + 0); c21 += Vector512.Load(cr + 16); c22 += Vector512.Load(cr + 32); }
            { float* cr = c + 3 * ldc; c30 += Vector512.Load(cr + 0); c31 += Vector512.Load(cr + 16); c32 += Vector512.Load(cr + 32); }
            { float* cr = c + 4 * ldc; c40 += Vector512.Load(cr + 0); c41 += Vector512.Load(cr + 16); c42 += Vector512.Load(cr + 32); }
            { float* cr = c + 5 * ldc; c50 += Vector512.Load(cr + 0); c51 += Vector512.Load(cr + 16); c52 += Vector512.Load(cr + 32); }
            { float* cr = c + 6 * ldc; c60 += Vector512.Load(cr + 0); c61 += Vector512.Load(cr + 16); c62 += Vector512.Load(cr + 32); }
            { float* cr = c + 7 * ldc; c70 += Vector512.Load(cr + 0); c71 += Vector512.Load(cr + 16); c72 += Vector512.Load(cr + 32); }
        }
        { float* cr = c + 0 * ldc; c00.Store(cr + 0); c01.Store(cr + 16); c02.Store(cr + 32); }
        { float* cr = c + 1 * ldc; c10.Store(cr + 0); c11.Store(cr + 16); c12.Store(cr + 32); }
        { float* cr = c + 2 * ldc; c20.Store(cr + 0); c21.Store(cr + 16); c22.Store(cr + 32); }
        { float* cr = c + 3 * ldc; c30.Store(cr + 0); c31.Store(cr + 16); c32.Store(cr + 32); }
        { float* cr = c + 4 * ldc; c40.Store(cr + 0); c41.Store(cr + 16); c42.Store(cr + 32); }
        { float* cr = c + 5 * ldc; c50.Store(cr + 0); c51.Store(cr + 16); c52.Store(cr + 32); }
        { float* cr = c + 6 * ldc; c60.Store(cr + 0); c61.Store(cr + 16); c62.Store(cr + 32); }
        { float* cr = c + 7 * ldc; c70.Store(cr + 0); c71.Store(cr + 16); c72.Store(cr + 32); }
    }

    /// <summary>8x32 AVX-512 tile: C[8,32] (+)= Apanel[kc,8] . Bpanel[kc,32]. 16 zmm accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x32(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0); Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            a += aStride;
            b += bStride;
        }
        if (load)
        {
            { float* cr = c + 0 * ldc; c00 += Vector512.Load(cr + 0); c01 += Vector512.Load(cr + 16); }
            { float* cr = c + 1 * ldc; c10 += Vector512.Load(cr + 0); c11 += Vector512.Load(cr + 16); }
            { float* cr = c + 2 * ldc; c20 += Vector512.Load(cr + 0); c21 += Vector512.Load(cr + 16); }
            { float* cr = c + 3 * ldc; c30 += Vector512.Load(cr + 0); c31 += Vector512.Load(cr + 16); }
            { float* cr = c + 4 * ldc; c40 += Vector512.Load(cr + 0); c41 += Vector512.Load(cr + 16); }
            { float* cr = c + 5 * ldc; c50 += Vector512.Load(cr + 0); c51 += Vector512.Load(cr + 16); }
            { float* cr = c + 6 * ldc; c60 += Vector512.Load(cr + 0); c61 += Vector512.Load(cr + 16); }
            { float* cr = c + 7 * ldc; c70 += Vector512.Load(cr + 0); c71 += Vector512.Load(cr + 16); }
        }
        { float* cr = c + 0 * ldc; c00.Store(cr + 0); c01.Store(cr + 16); }
        { float* cr = c + 1 * ldc; c10.Store(cr + 0); c11.Store(cr + 16); }
        { float* cr = c + 2 * ldc; c20.Store(cr + 0); c21.Store(cr + 16); }
        { float* cr = c + 3 * ldc; c30.Store(cr + 0); c31.Store(cr + 16); }
        { float* cr = c + 4 * ldc; c40.Store(cr + 0); c41.Store(cr + 16); }
        { float* cr = c + 5 * ldc; c50.Store(cr + 0); c51.Store(cr + 16); }
        { float* cr = c + 6 * ldc; c60.Store(cr + 0); c61.Store(cr + 16); }
        { float* cr = c + 7 * ldc; c70.Store(cr + 0); c71.Store(cr + 16); }
    }

    /// <summary>8x16 AVX-512 tile: C[8,16] (+)= Apanel[kc,8] . Bpanel[kc,16]. 8 zmm accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x16(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector512<float> c00 = default;
        Vector512<float> c10 = default;
        Vector512<float> c20 = default;
        Vector512<float> c30 = default;
        Vector512<float> c40 = default;
        Vector512<float> c50 = default;
        Vector512<float> c60 = default;
        Vector512<float> c70 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            a += aStride;
            b += bStride;
        }
        if (load)
        {
            { float* cr = c + 0 * ldc; c00 += Vector512.Load(cr + 0); }
            { float* cr = c + 1 * ldc; c10 += Vector512.Load(cr + 0); }
            { float* cr = c + 2 * ldc; c20 += Vector512.Load(cr + 0); }
            { float* cr = c + 3 * ldc; c30 += Vector512.Load(cr + 0); }
            { float* cr = c + 4 * ldc; c40 += Vector512.Load(cr + 0); }
            { float* cr = c + 5 * ldc; c50 += Vector512.Load(cr + 0); }
            { float* cr = c + 6 * ldc; c60 += Vector512.Load(cr + 0); }
            { float* cr = c + 7 * ldc; c70 += Vector512.Load(cr + 0); }
        }
        { float* cr = c + 0 * ldc; c00.Store(cr + 0); }
        { float* cr = c + 1 * ldc; c10.Store(cr + 0); }
        { float* cr = c + 2 * ldc; c20.Store(cr + 0); }
        { float* cr = c + 3 * ldc; c30.Store(cr + 0); }
        { float* cr = c + 4 * ldc; c40.Store(cr + 0); }
        { float* cr = c + 5 * ldc; c50.Store(cr + 0); }
        { float* cr = c + 6 * ldc; c60.Store(cr + 0); }
        { float* cr = c + 7 * ldc; c70.Store(cr + 0); }
    }

    /// <summary>8x48 AVX-512 tile reading A in place from 8 row-major rows (a[r*lda + p]); no A packing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x48RowA(int kc, float* a, nint lda, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default;
        Vector512<float> c70 = default, c71 = default, c72 = default;
        // Rows 0-3 addressed off a, rows 4-7 off aHi, with index registers lda, 2*lda, 3*lda.
        float* aHi = a + 4 * lda;
        nint l2 = 2 * lda, l3 = 3 * lda;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0); Vector512<float> b1 = Vector512.Load(b + 16); Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01); c02 = Avx512F.FusedMultiplyAdd(a0, b2, c02);
            Vector512<float> a1 = Vector512.Create(a[lda]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11); c12 = Avx512F.FusedMultiplyAdd(a1, b2, c12);
            Vector512<float> a2 = Vector512.Create(a[l2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21); c22 = Avx512F.FusedMultiplyAdd(a2, b2, c22);
            Vector512<float> a3 = Vector512.Create(a[l3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31); c32 = Avx512F.FusedMultiplyAdd(a3, b2, c32);
            Vector512<float> a4 = Vector512.Create(aHi[0]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41); c42 = Avx512F.FusedMultiplyAdd(a4, b2, c42);
            Vector512<float> a5 = Vector512.Create(aHi[lda]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51); c52 = Avx512F.FusedMultiplyAdd(a5, b2, c52);
            Vector512<float> a6 = Vector512.Create(aHi[l2]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61); c62 = Avx512F.FusedMultiplyAdd(a6, b2, c62);
            Vector512<float> a7 = Vector512.Create(aHi[l3]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71); c72 = Avx512F.FusedMultiplyAdd(a7, b2, c72);
            a++;
            aHi++;
            b += bStride;
        }
        if (load)
        {
            { float* cr = c + 0 * ldc; c00 += Vector512.Load(cr + 0); c01 += Vector512.Load(cr + 16); c02 += Vector512.Load(cr + 32); }
            { float* cr = c + 1 * ldc; c10 += Vector512.Load(cr + 0); c11 += Vector512.Load(cr + 16); c12 += Vector512.Load(cr + 32); }
            { float* cr = c + 2 * ldc; c20 += Vector512.Load(cr + 0); c21 += Vector512.Load(cr + 16); c22 += Vector512.Load(cr + 32); }
            { float* cr = c + 3 * ldc; c30 += Vector512.Load(cr + 0); c31 += Vector512.Load(cr + 16); c32 += Vector512.Load(cr + 32); }
            { float* cr = c + 4 * ldc; c40 += Vector512.Load(cr + 0); c41 += Vector512.Load(cr + 16); c42 += Vector512.Load(cr + 32); }
            { float* cr = c + 5 * ldc; c50 += Vector512.Load(cr + 0); c51 += Vector512.Load(cr + 16); c52 += Vector512.Load(cr + 32); }
            { float* cr = c + 6 * ldc; c60 += Vector512.Load(cr + 0); c61 += Vector512.Load(cr + 16); c62 += Vector512.Load(cr + 32); }
            { float* cr = c + 7 * ldc; c70 += Vector512.Load(cr + 0); c71 += Vector512.Load(cr + 16); c72 += Vector512.Load(cr + 32); }
        }
        { float* cr = c + 0 * ldc; c00.Store(cr + 0); c01.Store(cr + 16); c02.Store(cr + 32); }
        { float* cr = c + 1 * ldc; c10.Store(cr + 0); c11.Store(cr + 16); c12.Store(cr + 32); }
        { float* cr = c + 2 * ldc; c20.Store(cr + 0); c21.Store(cr + 16); c22.Store(cr + 32); }
        { float* cr = c + 3 * ldc; c30.Store(cr + 0); c31.Store(cr + 16); c32.Store(cr + 32); }
        { float* cr = c + 4 * ldc; c40.Store(cr + 0); c41.Store(cr + 16); c42.Store(cr + 32); }
        { float* cr = c + 5 * ldc; c50.Store(cr + 0); c51.Store(cr + 16); c52.Store(cr + 32); }
        { float* cr = c + 6 * ldc; c60.Store(cr + 0); c61.Store(cr + 16); c62.Store(cr + 32); }
        { float* cr = c + 7 * ldc; c70.Store(cr + 0); c71.Store(cr + 16); c72.Store(cr + 32); }
    }

    /// <summary>8x32 AVX-512 tile reading A in place from 8 row-major rows (a[r*lda + p]); no A packing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x32RowA(int kc, float* a, nint lda, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        // Rows 0-3 addressed off a, rows 4-7 off aHi, with index registers lda, 2*lda, 3*lda.
        float* aHi = a + 4 * lda;
        nint l2 = 2 * lda, l3 = 3 * lda;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0); Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[lda]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[l2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[l3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(aHi[0]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(aHi[lda]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            Vector512<float> a6 = Vector512.Create(aHi[l2]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            Vector512<float> a7 = Vector512.Create(aHi[l3]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            a++;
            aHi++;
            b += bStride;
        }
        if (load)
        {
            { float* cr = c + 0 * ldc; c00 += Vector512.Load(cr + 0); c01 += Vector512.Load(cr + 16); }
            { float* cr = c + 1 * ldc; c10 += Vector512.Load(cr + 0); c11 += Vector512.Load(cr + 16); }
            { float* cr = c + 2 * ldc; c20 += Vector512.Load(cr + 0); c21 += Vector512.Load(cr + 16); }
            { float* cr = c + 3 * ldc; c30 += Vector512.Load(cr + 0); c31 += Vector512.Load(cr + 16); }
            { float* cr = c + 4 * ldc; c40 += Vector512.Load(cr + 0); c41 += Vector512.Load(cr + 16); }
            { float* cr = c + 5 * ldc; c50 += Vector512.Load(cr + 0); c51 += Vector512.Load(cr + 16); }
            { float* cr = c + 6 * ldc; c60 += Vector512.Load(cr + 0); c61 += Vector512.Load(cr + 16); }
            { float* cr = c + 7 * ldc; c70 += Vector512.Load(cr + 0); c71 += Vector512.Load(cr + 16); }
        }
        { float* cr = c + 0 * ldc; c00.Store(cr + 0); c01.Store(cr + 16); }
        { float* cr = c + 1 * ldc; c10.Store(cr + 0); c11.Store(cr + 16); }
        { float* cr = c + 2 * ldc; c20.Store(cr + 0); c21.Store(cr + 16); }
        { float* cr = c + 3 * ldc; c30.Store(cr + 0); c31.Store(cr + 16); }
        { float* cr = c + 4 * ldc; c40.Store(cr + 0); c41.Store(cr + 16); }
        { float* cr = c + 5 * ldc; c50.Store(cr + 0); c51.Store(cr + 16); }
        { float* cr = c + 6 * ldc; c60.Store(cr + 0); c61.Store(cr + 16); }
        { float* cr = c + 7 * ldc; c70.Store(cr + 0); c71.Store(cr + 16); }
    }

    /// <summary>8x16 AVX-512 tile reading A in place from 8 row-major rows (a[r*lda + p]); no A packing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x16RowA(int kc, float* a, nint lda, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector512<float> c00 = default;
        Vector512<float> c10 = default;
        Vector512<float> c20 = default;
        Vector512<float> c30 = default;
        Vector512<float> c40 = default;
        Vector512<float> c50 = default;
        Vector512<float> c60 = default;
        Vector512<float> c70 = default;
        // Rows 0-3 addressed off a, rows 4-7 off aHi, with index registers lda, 2*lda, 3*lda.
        float* aHi = a + 4 * lda;
        nint l2 = 2 * lda, l3 = 3 * lda;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            Vector512<float> a1 = Vector512.Create(a[lda]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            Vector512<float> a2 = Vector512.Create(a[l2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            Vector512<float> a3 = Vector512.Create(a[l3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            Vector512<float> a4 = Vector512.Create(aHi[0]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            Vector512<float> a5 = Vector512.Create(aHi[lda]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            Vector512<float> a6 = Vector512.Create(aHi[l2]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            Vector512<float> a7 = Vector512.Create(aHi[l3]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            a++;
            aHi++;
            b += bStride;
        }
        if (load)
        {
            { float* cr = c + 0 * ldc; c00 += Vector512.Load(cr + 0); }
            { float* cr = c + 1 * ldc; c10 += Vector512.Load(cr + 0); }
            { float* cr = c + 2 * ldc; c20 += Vector512.Load(cr + 0); }
            { float* cr = c + 3 * ldc; c30 += Vector512.Load(cr + 0); }
            { float* cr = c + 4 * ldc; c40 += Vector512.Load(cr + 0); }
            { float* cr = c + 5 * ldc; c50 += Vector512.Load(cr + 0); }
            { float* cr = c + 6 * ldc; c60 += Vector512.Load(cr + 0); }
            { float* cr = c + 7 * ldc; c70 += Vector512.Load(cr + 0); }
        }
        { float* cr = c + 0 * ldc; c00.Store(cr + 0); }
        { float* cr = c + 1 * ldc; c10.Store(cr + 0); }
        { float* cr = c + 2 * ldc; c20.Store(cr + 0); }
        { float* cr = c + 3 * ldc; c30.Store(cr + 0); }
        { float* cr = c + 4 * ldc; c40.Store(cr + 0); }
        { float* cr = c + 5 * ldc; c50.Store(cr + 0); }
        { float* cr = c + 6 * ldc; c60.Store(cr + 0); }
        { float* cr = c + 7 * ldc; c70.Store(cr + 0); }
    }


    /// <summary>8x8 AVX2/FMA tile (16 ymm registers: 8 accumulators, B row, broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x8(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<float> c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            c0 = Fma.MultiplyAdd(Vector256.Create(a[0]), b0, c0);
            c1 = Fma.MultiplyAdd(Vector256.Create(a[1]), b0, c1);
            c2 = Fma.MultiplyAdd(Vector256.Create(a[2]), b0, c2);
            c3 = Fma.MultiplyAdd(Vector256.Create(a[3]), b0, c3);
            c4 = Fma.MultiplyAdd(Vector256.Create(a[4]), b0, c4);
            c5 = Fma.MultiplyAdd(Vector256.Create(a[5]), b0, c5);
            c6 = Fma.MultiplyAdd(Vector256.Create(a[6]), b0, c6);
            c7 = Fma.MultiplyAdd(Vector256.Create(a[7]), b0, c7);
            a += aStride;
            b += bStride;
        }
        if (load)
        {
            c0 += Vector256.Load(c); c1 += Vector256.Load(c + ldc);
            c2 += Vector256.Load(c + 2 * ldc); c3 += Vector256.Load(c + 3 * ldc);
            c4 += Vector256.Load(c + 4 * ldc); c5 += Vector256.Load(c + 5 * ldc);
            c6 += Vector256.Load(c + 6 * ldc); c7 += Vector256.Load(c + 7 * ldc);
        }
        c0.Store(c); c1.Store(c + ldc); c2.Store(c + 2 * ldc); c3.Store(c + 3 * ldc);
        c4.Store(c + 4 * ldc); c5.Store(c + 5 * ldc); c6.Store(c + 6 * ldc); c7.Store(c + 7 * ldc);
    }

    /// <summary>8x4 portable scalar tile (no x86 SIMD): plain multiply-add, same p order.</summary>
    private static void KernelScalar8x4(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        float* acc = stackalloc float[MR * 4];
        for (int i = 0; i < MR * 4; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                float ar = a[r];
                for (int j = 0; j < 4; j++) acc[r * 4 + j] += ar * b[j];
            }
            a += aStride;
            b += bStride;
        }
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < 4; j++)
                c[r * ldc + j] = load ? c[r * ldc + j] + acc[r * 4 + j] : acc[r * 4 + j];
    }
}
