using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nattt.Packets;

/// <summary>
/// The Internet checksum (RFC 1071): the one's-complement of the one's-complement sum of 16-bit big-endian words, and
/// its incremental update (RFC 1624 equation 3: HC' = ~(~HC + ~m + m')). Sums here are "partial sums": values that may
/// exceed 16 bits until <see cref="Fold"/> adds the carries back. All methods are pure, allocation-free and thread-safe.
/// </summary>
public static class InternetChecksum
{
    /// <summary>One's-complement sum of <paramref name="data"/> as big-endian 16-bit words (an odd last byte is padded
    /// with a zero byte), plus <paramref name="initial"/>, folded to 16 bits. Reads 8 bytes at a time in native order
    /// and swaps once at the end (RFC 1071 section 2(B): the sum is byte-order independent).</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ref var start = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        var i = 0;
        // Two 32-bit halves per 8 bytes into a 64-bit accumulator: no carry handling in the loop, and no overflow
        // before 2^31 iterations (16 GiB), far beyond any packet.
        ulong sum = 0;
        for (; i + 32 <= length; i += 32)
        {
            var a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            var b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            var c = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16));
            var d = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24));
            sum += (a & 0xFFFFFFFF) + (a >> 32) + (b & 0xFFFFFFFF) + (b >> 32)
                 + (c & 0xFFFFFFFF) + (c >> 32) + (d & 0xFFFFFFFF) + (d >> 32);
        }
        for (; i + 8 <= length; i += 8)
        {
            var a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            sum += (a & 0xFFFFFFFF) + (a >> 32);
        }
        if (i + 4 <= length)
        {
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            i += 4;
        }
        if (i + 2 <= length)
        {
            sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
        {
            // The odd byte is the high byte of a big-endian word; in native little-endian order that is the low byte.
            uint last = Unsafe.Add(ref start, i);
            sum += BitConverter.IsLittleEndian ? last : last << 8;
        }
        var folded = Fold(sum);
        if (BitConverter.IsLittleEndian) folded = BinaryPrimitives.ReverseEndianness(folded);
        return Fold((ulong)folded + initial);
    }

    /// <summary>Adds the carries of a partial sum back in until it fits 16 bits. A non-zero input never folds to 0, so
    /// a checksum computed from it is never 0xFFFF (except through <see cref="Update(ushort, uint)"/> on 0xFFFF).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        // 64 -> 32 bits with the end-around carry, then 32 -> 17 -> 16 bits.
        var low = (uint)sum;
        var folded = low + (uint)(sum >> 32);
        if (folded < low) folded++;
        folded = (folded & 0xFFFF) + (folded >> 16);
        folded = (folded & 0xFFFF) + (folded >> 16);
        return (ushort)folded;
    }

    /// <summary>The checksum of <paramref name="data"/>: ~Fold(sum(data) + initial). Put the pseudo-header sum in
    /// <paramref name="initial"/> and zero the checksum field first; or leave the field in place to verify (result 0).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data, uint initial = 0) => (ushort)~Sum(data, initial);

    /// <summary>The change to a sum when 16-bit word <paramref name="oldWord"/> becomes <paramref name="newWord"/>:
    /// ~m + m' (RFC 1624 eqn. 3). Add deltas together, then apply them with <see cref="Update(ushort, uint)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Delta(ushort oldWord, ushort newWord) => (uint)(ushort)~oldWord + newWord;

    /// <summary>The delta for a 4- or 16-byte address field changing from <paramref name="oldAddress"/> to
    /// <paramref name="newAddress"/> (the same family). Computed from the values; no span is read.</summary>
    public static uint Delta(IpAddressValue oldAddress, IpAddressValue newAddress)
    {
        // ~w = 0xFFFF - w for each of the 2 or 8 words, so sum(~old) = words * 0xFFFF - sum(old).
        var words = oldAddress.IsIPv4 ? 2u : 8u;
        return Fold(words * 0xFFFFUL - WordSum(oldAddress) + WordSum(newAddress));
    }

    /// <summary>The delta for an even-length field (any address-like field) changing from <paramref name="oldBytes"/>
    /// to <paramref name="newBytes"/>, read from spans. Both must have the same, even length.</summary>
    public static uint Delta(ReadOnlySpan<byte> oldBytes, ReadOnlySpan<byte> newBytes)
    {
        if (oldBytes.Length != newBytes.Length || (oldBytes.Length & 1) != 0)
            throw new ArgumentException("fields must have the same even length");
        ulong delta = 0;
        for (var i = 0; i < oldBytes.Length; i += 2)
            delta += Delta(BinaryPrimitives.ReadUInt16BigEndian(oldBytes[i..]), BinaryPrimitives.ReadUInt16BigEndian(newBytes[i..]));
        return Fold(delta);
    }

    /// <summary>RFC 1624 eqn. 3: the checksum after the covered data changed by <paramref name="delta"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, uint delta) => (ushort)~Fold((ulong)(ushort)~checksum + delta);

    /// <summary>RFC 1624 eqn. 3 for one 16-bit word.</summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord) =>
        Update(checksum, Delta(oldWord, newWord));

    /// <summary>RFC 1624 eqn. 3 for a 4- or 16-byte address.</summary>
    public static ushort Update(ushort checksum, IpAddressValue oldAddress, IpAddressValue newAddress) =>
        Update(checksum, Delta(oldAddress, newAddress));

    /// <summary>The (unfolded) sum of the address's 16-bit words: 2 words for IPv4, 8 for IPv6.</summary>
    public static ulong WordSum(IpAddressValue address)
    {
        if (address.IsIPv4) return (address.Low >> 16 & 0xFFFF) + (address.Low & 0xFFFF);
        return WordSum64(address.High) + WordSum64(address.Low);
    }

    /// <summary>The sum of the TCP/UDP/ICMPv6 pseudo-header (RFC 9293 3.1 for IPv4, RFC 8200 8.1 for IPv6): both
    /// addresses, the protocol and the upper-layer length. Start <see cref="Sum"/> with it.</summary>
    public static uint PseudoHeaderSum(IpAddressValue source, IpAddressValue destination, IpProtocol protocol, int upperLayerLength) =>
        Fold(WordSum(source) + WordSum(destination) + (ulong)protocol + ((uint)upperLayerLength >> 16) + ((uint)upperLayerLength & 0xFFFF));

    private static ulong WordSum64(ulong v) =>
        (v >> 48) + (v >> 32 & 0xFFFF) + (v >> 16 & 0xFFFF) + (v & 0xFFFF);
}
