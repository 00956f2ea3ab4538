using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace Nattt.Stun.Wire;

/// <summary>Checks of MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT on a parsed message.</summary>
public readonly ref partial struct StunMessageReader
{
    /// <summary>Messages up to this size are copied on the stack for hashing; larger ones use a pooled array.</summary>
    private const int StackCopyLimit = 1024;

    /// <summary>
    /// True if FINGERPRINT is present and equals CRC-32 of everything before it XOR 0x5354554e
    /// (RFC 8489 section 14.7). The header length already covers FINGERPRINT since it is last.
    /// </summary>
    public bool IsFingerprintValid()
    {
        if (_fingerprintOffset < 0) return false;
        uint expected = Crc32.HashToUInt32(_message[.._fingerprintOffset]) ^ StunConstants.FingerprintXor;
        return BinaryPrimitives.ReadUInt32BigEndian(_message[(_fingerprintOffset + StunConstants.AttributeHeaderLength)..]) == expected;
    }

    /// <summary>
    /// True if MESSAGE-INTEGRITY is present and its HMAC-SHA1 with <paramref name="key"/> matches (RFC 8489
    /// section 14.5): the HMAC covers the message up to the attribute, with the length field set as if the message
    /// ended just after MESSAGE-INTEGRITY. Compared in constant time.
    /// </summary>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key)
    {
        if (_messageIntegrityOffset < 0) return false;
        Span<byte> mac = stackalloc byte[StunConstants.MessageIntegrityLength];
        ComputeIntegrity(_message, _messageIntegrityOffset, StunConstants.MessageIntegrityLength, key, sha256: false, mac);
        var sent = _message.Slice(_messageIntegrityOffset + StunConstants.AttributeHeaderLength, StunConstants.MessageIntegrityLength);
        return CryptographicOperations.FixedTimeEquals(mac, sent);
    }

    /// <summary>
    /// True if MESSAGE-INTEGRITY-SHA256 is present and its (possibly truncated) HMAC-SHA256 with <paramref name="key"/>
    /// matches (RFC 8489 section 14.6). Compared in constant time.
    /// </summary>
    public bool VerifyMessageIntegritySha256(ReadOnlySpan<byte> key)
    {
        if (_messageIntegritySha256Offset < 0) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(_messageIntegritySha256Offset + 2)..]);
        Span<byte> mac = stackalloc byte[StunConstants.MessageIntegritySha256MaxLength];
        ComputeIntegrity(_message, _messageIntegritySha256Offset, length, key, sha256: true, mac);
        var sent = _message.Slice(_messageIntegritySha256Offset + StunConstants.AttributeHeaderLength, length);
        return CryptographicOperations.FixedTimeEquals(mac[..length], sent);
    }

    /// <summary>
    /// HMAC over <c>message[..attributeOffset]</c> with the header length rewritten to end after an integrity
    /// attribute of <paramref name="valueLength"/> bytes. Shared with the writer.
    /// </summary>
    internal static void ComputeIntegrity(ReadOnlySpan<byte> message, int attributeOffset, int valueLength,
        ReadOnlySpan<byte> key, bool sha256, Span<byte> mac)
    {
        byte[]? rented = null;
        Span<byte> copy = attributeOffset <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(attributeOffset));
        copy = copy[..attributeOffset];
        message[..attributeOffset].CopyTo(copy);
        int adjustedLength = attributeOffset + StunConstants.AttributeHeaderLength + valueLength - StunConstants.HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)adjustedLength);
        if (sha256) HMACSHA256.HashData(key, copy, mac);
        else HMACSHA1.HashData(key, copy, mac);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }
}
