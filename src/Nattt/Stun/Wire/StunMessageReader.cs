using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>
/// A parsed STUN message: a view over the receive buffer (RFC 8489 section 5 header, section 14 attributes).
/// <see cref="TryParse(ReadOnlySpan{byte}, out StunMessageReader, out int)"/> validates the header and the framing of
/// every attribute once; after that, attribute lookups cannot fail on framing and their values are slices of the
/// buffer (no copies). RFC 3489 messages (no magic cookie) parse too: <see cref="IsRfc3489"/> tells them apart.
/// A value type over a span: use it on one thread while the buffer is alive.
/// </summary>
public readonly ref partial struct StunMessageReader
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _messageIntegrityOffset;
    private readonly int _messageIntegritySha256Offset;
    private readonly int _fingerprintOffset;

    private StunMessageReader(ReadOnlySpan<byte> message, int mi, int mi256, int fingerprint)
    {
        _message = message;
        _messageIntegrityOffset = mi;
        _messageIntegritySha256Offset = mi256;
        _fingerprintOffset = fingerprint;
    }

    /// <summary>The whole message (header and attributes).</summary>
    public ReadOnlySpan<byte> Bytes => _message;

    /// <summary>The 16-bit message type as sent.</summary>
    public ushort RawType => BinaryPrimitives.ReadUInt16BigEndian(_message);

    public StunMessageType Type => StunMessageType.FromValue(RawType);
    public StunMethod Method => Type.Method;
    public StunClass Class => Type.Class;

    /// <summary>True when bytes 4..8 are not the magic cookie: a classic RFC 3489 message.</summary>
    public bool IsRfc3489 => BinaryPrimitives.ReadUInt32BigEndian(_message[4..]) != StunConstants.MagicCookie;

    /// <summary>The 96-bit transaction ID (bytes 8..20).</summary>
    public ReadOnlySpan<byte> TransactionId => _message.Slice(8, StunConstants.TransactionIdLength);

    /// <summary>Bytes 4..20: the cookie and transaction ID. For RFC 3489 this is the 128-bit transaction ID; for
    /// RFC 8489 it is the key that XOR-addresses are XORed with (RFC 8489 section 14.2).</summary>
    public ReadOnlySpan<byte> CookieAndTransactionId => _message.Slice(4, StunConstants.LegacyTransactionIdLength);

    public bool HasMessageIntegrity => _messageIntegrityOffset >= 0;
    public bool HasMessageIntegritySha256 => _messageIntegritySha256Offset >= 0;
    public bool HasFingerprint => _fingerprintOffset >= 0;

    /// <summary>Parses a whole message (one UDP datagram, or one frame cut from a stream).</summary>
    public static StunError TryParse(ReadOnlySpan<byte> buffer, out StunMessageReader message) =>
        TryParse(buffer, out message, out _);

    /// <summary>Parses a whole message; on failure <paramref name="errorOffset"/> is the byte where it failed.</summary>
    public static StunError TryParse(ReadOnlySpan<byte> buffer, out StunMessageReader message, out int errorOffset)
    {
        message = default;
        errorOffset = 0;
        if (buffer.Length < StunConstants.HeaderLength) { errorOffset = buffer.Length; return StunError.HeaderTruncated; }
        if ((buffer[0] & 0xC0) != 0) return StunError.HeaderNotStun;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        errorOffset = 2;
        if ((length & 3) != 0) return StunError.HeaderLengthNotMultipleOf4;
        if (StunConstants.HeaderLength + length > buffer.Length) return StunError.HeaderLengthBeyondBuffer;
        if (StunConstants.HeaderLength + length < buffer.Length) return StunError.HeaderLengthShorterThanBuffer;

        int mi = -1, mi256 = -1, fingerprint = -1;
        int offset = StunConstants.HeaderLength;
        while (offset < buffer.Length)
        {
            errorOffset = offset;
            if (fingerprint >= 0) return StunError.AttributeAfterFingerprint;
            if (buffer.Length - offset < StunConstants.AttributeHeaderLength) return StunError.AttributeHeaderTruncated;
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(buffer[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[(offset + 2)..]);
            int end = offset + StunConstants.AttributeHeaderLength + StunConstants.Padded(valueLength);
            if (end > buffer.Length) return StunError.AttributeValueTruncated;
            switch (type)
            {
                case StunAttributeType.MessageIntegrity when mi < 0 && mi256 < 0:
                    if (valueLength != StunConstants.MessageIntegrityLength) return StunError.MessageIntegrityLengthInvalid;
                    mi = offset;
                    break;
                case StunAttributeType.MessageIntegritySha256 when mi256 < 0:
                    if (valueLength < StunConstants.MessageIntegritySha256MinLength ||
                        valueLength > StunConstants.MessageIntegritySha256MaxLength || (valueLength & 3) != 0)
                        return StunError.MessageIntegritySha256LengthInvalid;
                    mi256 = offset;
                    break;
                case StunAttributeType.Fingerprint:
                    if (valueLength != StunConstants.FingerprintLength) return StunError.FingerprintLengthInvalid;
                    fingerprint = offset;
                    break;
            }
            offset = end;
        }
        errorOffset = 0;
        message = new StunMessageReader(buffer, mi, mi256, fingerprint);
        return StunError.None;
    }

    /// <summary>The attributes a receiver processes, in order (see <see cref="StunAttributeEnumerator"/>).</summary>
    public StunAttributeEnumerator Attributes => new(_message);

    /// <summary>The value of the first attribute of this type (duplicates are ignored, RFC 8489 section 14).</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type) { value = attribute.Value; return true; }
        }
        value = default;
        return false;
    }

    /// <summary>True if the message carries this attribute (among those a receiver processes).</summary>
    public bool Has(StunAttributeType type) => TryGetAttribute(type, out _);

    /// <summary>
    /// Copies the comprehension-required attribute types the receiver does not understand (what a server lists in
    /// UNKNOWN-ATTRIBUTES with a 420, RFC 8489 section 6.3.1) into <paramref name="destination"/>, without duplicates.
    /// Returns how many were found (may exceed the destination's length; only that many are copied).
    /// </summary>
    public int GetUnknownComprehensionRequired(Span<StunAttributeType> destination, Func<StunAttributeType, bool>? isUnderstood = null)
    {
        isUnderstood ??= StunAttributeTypes.IsKnown;
        int count = 0;
        foreach (var attribute in Attributes)
        {
            if (!StunAttributeTypes.IsComprehensionRequired(attribute.Type) || isUnderstood(attribute.Type)) continue;
            if (destination[..Math.Min(count, destination.Length)].Contains(attribute.Type)) continue;
            if (count < destination.Length) destination[count] = attribute.Type;
            count++;
        }
        return count;
    }
}
