namespace Nattt.Stun.Wire;

/// <summary>One attribute of a parsed message: its type and a view of its value (padding excluded) in the receive
/// buffer. <see cref="Offset"/> is where its 4-byte header starts in the message.</summary>
public readonly ref struct StunAttribute(StunAttributeType type, ReadOnlySpan<byte> value, int offset)
{
    public StunAttributeType Type { get; } = type;
    public ReadOnlySpan<byte> Value { get; } = value;
    public int Offset { get; } = offset;
}

/// <summary>
/// Walks the attributes a receiver must process, in order, applying RFC 8489 sections 14.5-14.7: after
/// MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count, after MESSAGE-INTEGRITY-SHA256 only
/// FINGERPRINT; everything else there is skipped. The framing was validated by the reader, so this cannot fail.
/// </summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private int _next;
    private IntegrityState _state;
    private StunAttribute _current;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> message)
    {
        _message = message;
        _next = StunConstants.HeaderLength;
    }

    private enum IntegrityState : byte { None, AfterSha1, AfterSha256 }

    public readonly StunAttribute Current => _current;

    public readonly StunAttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_next + StunConstants.AttributeHeaderLength <= _message.Length)
        {
            int offset = _next;
            var type = (StunAttributeType)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_message[offset..]);
            int length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_message[(offset + 2)..]);
            _next = offset + StunConstants.AttributeHeaderLength + StunConstants.Padded(length);
            if (!Accept(type)) continue;
            _current = new StunAttribute(type, _message.Slice(offset + StunConstants.AttributeHeaderLength, length), offset);
            return true;
        }
        return false;
    }

    private bool Accept(StunAttributeType type)
    {
        switch (_state)
        {
            case IntegrityState.None:
                if (type == StunAttributeType.MessageIntegrity) _state = IntegrityState.AfterSha1;
                else if (type == StunAttributeType.MessageIntegritySha256) _state = IntegrityState.AfterSha256;
                return true;
            case IntegrityState.AfterSha1:
                if (type == StunAttributeType.MessageIntegritySha256) { _state = IntegrityState.AfterSha256; return true; }
                return type == StunAttributeType.Fingerprint;
            default:
                return type == StunAttributeType.Fingerprint;
        }
    }
}
