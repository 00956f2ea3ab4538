using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>Password algorithms of long-term credentials (RFC 8489 section 18.5).</summary>
public enum StunPasswordAlgorithm : ushort
{
    /// <summary>The key is MD5(username ":" realm ":" password), the RFC 5389 key.</summary>
    Md5 = 0x0001,
    /// <summary>The key is SHA-256(username ":" realm ":" password).</summary>
    Sha256 = 0x0002,
}

/// <summary>
/// PASSWORD-ALGORITHM (RFC 8489 section 14.12): the algorithm the client chose from PASSWORD-ALGORITHMS: a 16-bit
/// algorithm, a 16-bit parameter length and the parameters (none for MD5 and SHA-256), padded.
/// </summary>
public static class PasswordAlgorithmAttribute
{
    public const StunAttributeType Type = StunAttributeType.PasswordAlgorithm;

    /// <summary>Decodes the algorithm and a view of its parameters.</summary>
    public static StunError Read(in StunMessageReader message, out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters)
    {
        algorithm = default;
        parameters = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length < 4) return StunError.PasswordAlgorithmTruncated;
        int length = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        if (4 + length > value.Length) return StunError.PasswordAlgorithmTruncated;
        algorithm = (StunPasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(value);
        parameters = value.Slice(4, length);
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, StunPasswordAlgorithm algorithm)
    {
        if (!writer.TryReserveAttribute(Type, 4, out var value)) return false;
        BinaryPrimitives.WriteUInt16BigEndian(value, (ushort)algorithm);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
        return true;
    }
}
