using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>
/// PASSWORD-ALGORITHMS (RFC 8489 section 14.11): the algorithms a server offers, in order of preference, each a
/// 16-bit algorithm, 16-bit parameter length and parameters padded to 32 bits. Comprehension-optional.
/// </summary>
public static class PasswordAlgorithmsAttribute
{
    public const StunAttributeType Type = StunAttributeType.PasswordAlgorithms;

    /// <summary>Copies the offered algorithms (parameters skipped); returns how many the value lists.</summary>
    public static StunError Read(in StunMessageReader message, Span<StunPasswordAlgorithm> destination, out int count)
    {
        count = 0;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        return Read(value, destination, out count);
    }

    /// <summary>Decodes a value; see <see cref="Read(in StunMessageReader, Span{StunPasswordAlgorithm}, out int)"/>.</summary>
    public static StunError Read(ReadOnlySpan<byte> value, Span<StunPasswordAlgorithm> destination, out int count)
    {
        count = 0;
        int offset = 0;
        while (offset < value.Length)
        {
            if (value.Length - offset < 4) return StunError.PasswordAlgorithmTruncated;
            var algorithm = (StunPasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(value[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(value[(offset + 2)..]);
            int next = offset + 4 + StunConstants.Padded(length);
            if (next > value.Length) return StunError.PasswordAlgorithmTruncated;
            if (count < destination.Length) destination[count] = algorithm;
            count++;
            offset = next;
        }
        return StunError.None;
    }

    /// <summary>Appends the list (no parameters: MD5 and SHA-256 have none).</summary>
    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<StunPasswordAlgorithm> algorithms)
    {
        if (!writer.TryReserveAttribute(Type, 4 * algorithms.Length, out var value)) return false;
        for (int i = 0; i < algorithms.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(4 * i)..], (ushort)algorithms[i]);
            BinaryPrimitives.WriteUInt16BigEndian(value[(4 * i + 2)..], 0);
        }
        return true;
    }
}
