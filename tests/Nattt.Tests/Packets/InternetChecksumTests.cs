using CsCheck;
using Nattt.Packets;

namespace Nattt.Tests.Packets;

public class InternetChecksumTests
{
    private static uint PlainSum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        for (var i = 0; i < data.Length; i += 2) sum += (uint)(data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0));
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (uint)sum;
    }

    [Fact]
    public void Sum_Rfc1071Example_Ddf2()
    {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2u, InternetChecksum.Sum(data));
        Assert.Equal(unchecked((ushort)~0xddf2), InternetChecksum.Compute(data));
    }

    [Fact]
    public void Sum_AnyLengthAndAlignment_EqualsWordByWordSum()
    {
        Gen.Select(Gen.Byte.Array[0, 1600], Gen.Int[0, 7], Gen.UInt[0, 0x1FFFF]).Sample((data, skip, initial) =>
        {
            var span = data.AsSpan(Math.Min(skip, data.Length));
            return InternetChecksum.Sum(span, initial) == PlainSum(span, initial);
        }, iter: 2000);
    }

    [Fact]
    public void Sum_AllOnes1500Bytes_Folds()
    {
        var data = new byte[1500];
        data.AsSpan().Fill(0xFF);
        Assert.Equal(0xFFFFu, InternetChecksum.Sum(data));
        Assert.Equal(0u, InternetChecksum.Sum(new byte[1500]));
    }

    [Fact]
    public void Update_Rfc1624Example_MatchesRecompute()
    {
        // RFC 1624 section 4: HC 0xDD2F, m 0x5555 -> m' 0x3285 gives HC' 0x0000.
        Assert.Equal(0x0000, InternetChecksum.Update(0xDD2F, 0x5555, 0x3285));
    }

    [Fact]
    public void Update_RandomWordChange_EqualsRecompute()
    {
        Gen.Select(Gen.Byte.Array[2, 200], Gen.Int[0, 99], Gen.UShort).Sample((data, index, value) =>
        {
            // Nonzero word 0 (like a version nibble or pseudo-header) keeps the sum away from the +0 ambiguity.
            data[0] |= 0x40;
            var word = 2 * (index % (data.Length / 2));
            if (word == 0) return true;
            var checksum = InternetChecksum.Compute(data);
            var old = (ushort)(data[word] << 8 | data[word + 1]);
            data[word] = (byte)(value >> 8);
            data[word + 1] = (byte)value;
            return InternetChecksum.Update(checksum, old, value) == InternetChecksum.Compute(data);
        }, iter: 2000);
    }

    [Fact]
    public void DeltaOfAddresses_EqualsDeltaOfBytes()
    {
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, Gen.Bool).Sample((h1, l1, h2, l2, v4) =>
        {
            var a = v4 ? IpAddressValue.FromIPv4((uint)l1) : IpAddressValue.FromIPv6(h1, l1);
            var b = v4 ? IpAddressValue.FromIPv4((uint)l2) : IpAddressValue.FromIPv6(h2, l2);
            Span<byte> ab = stackalloc byte[16], bb = stackalloc byte[16];
            a.WriteTo(ab);
            b.WriteTo(bb);
            var fromBytes = InternetChecksum.Delta(ab[..a.Length], bb[..b.Length]);
            // Compare as checksum updates: deltas may differ by 0 vs 0xFFFF, the updates may not.
            return InternetChecksum.Update(0x1234, InternetChecksum.Delta(a, b)) == InternetChecksum.Update(0x1234, fromBytes);
        }, iter: 2000);
    }

    [Fact]
    public void Fold_AnyValue_CongruentModulo65535AndNeverZeroForNonZero()
    {
        Gen.ULong.Sample(value =>
        {
            var folded = InternetChecksum.Fold(value);
            return value == 0 ? folded == 0 : folded != 0 && (ulong)folded % 0xFFFF == value % 0xFFFF;
        }, iter: 10000);
        Assert.Equal(0xFFFF, InternetChecksum.Fold(ulong.MaxValue));
        Assert.Equal(0xFFFF, InternetChecksum.Fold(0xFFFF));
        Assert.Equal(1, InternetChecksum.Fold(0x10000));
    }
}
