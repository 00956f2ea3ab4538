using System.Buffers.Binary;
using System.IO.Hashing;

namespace Nattt.Stun.Wire;

/// <summary>
/// Writes one STUN message into a caller's buffer (RFC 8489 sections 5 and 14): the header first, then attributes
/// in call order, each padded with zeros to 32 bits; the header length is kept current after every attribute, so
/// <see cref="Written"/> is a complete message at any point. Integrity attributes and FINGERPRINT go last, in the
/// order MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT. A write that does not fit returns false and
/// leaves the writer overflowed (every later write fails too): check <see cref="HasOverflowed"/> once at the end.
/// A value type over a span: use it on one thread.
/// </summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private bool _overflowed;

    /// <summary>
    /// Starts a message. <paramref name="transactionId"/> is 12 bytes (RFC 8489: the magic cookie is written
    /// before it) or 16 bytes (an RFC 3489 transaction ID, written as is: a reply to a classic client).
    /// </summary>
    public StunMessageWriter(Span<byte> destination, StunMessageType type, ReadOnlySpan<byte> transactionId)
        : this(destination, type.Value, transactionId) { }

    /// <summary>Starts a message with a raw 14-bit type.</summary>
    public StunMessageWriter(Span<byte> destination, ushort rawType, ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length is not (StunConstants.TransactionIdLength or StunConstants.LegacyTransactionIdLength))
            throw new ArgumentException("A transaction ID is 12 bytes (or 16 for RFC 3489).", nameof(transactionId));
        _buffer = destination;
        if (destination.Length < StunConstants.HeaderLength) { _overflowed = true; return; }
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(rawType & 0x3FFF));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        if (transactionId.Length == StunConstants.TransactionIdLength)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StunConstants.MagicCookie);
            transactionId.CopyTo(destination[8..]);
        }
        else
        {
            transactionId.CopyTo(destination[4..]);
        }
        _length = StunConstants.HeaderLength;
    }

    /// <summary>Bytes of the message so far (0 if the header did not fit).</summary>
    public readonly int BytesWritten => _length;

    /// <summary>True once a write did not fit; the message is then incomplete and must not be sent.</summary>
    public readonly bool HasOverflowed => _overflowed;

    /// <summary>The message so far: a complete, valid message after every successful write.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Bytes 4..20 (cookie and transaction ID): the XOR key of XOR-address attributes.</summary>
    public readonly ReadOnlySpan<byte> CookieAndTransactionId => _buffer.Slice(4, StunConstants.LegacyTransactionIdLength);

    /// <summary>True if the message was started with the magic cookie (not an RFC 3489 reply).</summary>
    public readonly bool HasMagicCookie =>
        _length >= StunConstants.HeaderLength && BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]) == StunConstants.MagicCookie;

    /// <summary>
    /// Appends an attribute header for a value of <paramref name="valueLength"/> bytes and returns the value's
    /// space to fill in (its padding is already zero).
    /// </summary>
    public bool TryReserveAttribute(StunAttributeType type, int valueLength, out Span<byte> value)
    {
        value = default;
        if (_overflowed) return false;
        int padded = StunConstants.Padded(valueLength);
        int end = _length + StunConstants.AttributeHeaderLength + padded;
        if ((uint)valueLength > ushort.MaxValue || end > _buffer.Length || end - StunConstants.HeaderLength > 0xFFFC)
        {
            _overflowed = true;
            return false;
        }
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)valueLength);
        int valueStart = _length + StunConstants.AttributeHeaderLength;
        _buffer[(valueStart + valueLength)..end].Clear();
        value = _buffer.Slice(valueStart, valueLength);
        _length = end;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunConstants.HeaderLength));
        return true;
    }

    /// <summary>Appends an attribute with the given value.</summary>
    public bool TryWriteAttribute(StunAttributeType type, ReadOnlySpan<byte> value)
    {
        if (!TryReserveAttribute(type, value.Length, out var space)) return false;
        value.CopyTo(space);
        return true;
    }

    /// <summary>Appends MESSAGE-INTEGRITY: HMAC-SHA1 with <paramref name="key"/> (RFC 8489 section 14.5).</summary>
    public bool TryWriteMessageIntegrity(ReadOnlySpan<byte> key)
    {
        int offset = _length;
        if (!TryReserveAttribute(StunAttributeType.MessageIntegrity, StunConstants.MessageIntegrityLength, out var mac)) return false;
        StunMessageReader.ComputeIntegrity(_buffer, offset, StunConstants.MessageIntegrityLength, key, sha256: false, mac);
        return true;
    }

    /// <summary>
    /// Appends MESSAGE-INTEGRITY-SHA256: HMAC-SHA256 with <paramref name="key"/>, truncated to
    /// <paramref name="length"/> bytes (16..32, multiple of 4; RFC 8489 section 14.6).
    /// </summary>
    public bool TryWriteMessageIntegritySha256(ReadOnlySpan<byte> key, int length = StunConstants.MessageIntegritySha256MaxLength)
    {
        if (length is < StunConstants.MessageIntegritySha256MinLength or > StunConstants.MessageIntegritySha256MaxLength || (length & 3) != 0)
            throw new ArgumentOutOfRangeException(nameof(length), "16..32 bytes in steps of 4 (RFC 8489 section 14.6).");
        int offset = _length;
        if (!TryReserveAttribute(StunAttributeType.MessageIntegritySha256, length, out var mac)) return false;
        Span<byte> full = stackalloc byte[StunConstants.MessageIntegritySha256MaxLength];
        StunMessageReader.ComputeIntegrity(_buffer, offset, length, key, sha256: true, full);
        full[..length].CopyTo(mac);
        return true;
    }

    /// <summary>Appends FINGERPRINT (RFC 8489 section 14.7); nothing may follow it.</summary>
    public bool TryWriteFingerprint()
    {
        int offset = _length;
        if (!TryReserveAttribute(StunAttributeType.Fingerprint, StunConstants.FingerprintLength, out var value)) return false;
        uint crc = Crc32.HashToUInt32(_buffer[..offset]) ^ StunConstants.FingerprintXor;
        BinaryPrimitives.WriteUInt32BigEndian(value, crc);
        return true;
    }
}
