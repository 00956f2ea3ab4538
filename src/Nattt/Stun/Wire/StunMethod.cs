namespace Nattt.Stun.Wire;

/// <summary>
/// STUN methods (12 bits). Binding: RFC 8489 section 18.2. Allocate..ChannelBind: RFC 8656 section 17.
/// Connect, ConnectionBind, ConnectionAttempt: RFC 6062 section 6.1. Unknown methods are representable.
/// </summary>
public enum StunMethod : ushort
{
    Binding = 0x001,
    Allocate = 0x003,
    Refresh = 0x004,
    Send = 0x006,
    Data = 0x007,
    CreatePermission = 0x008,
    ChannelBind = 0x009,
    Connect = 0x00A,
    ConnectionBind = 0x00B,
    ConnectionAttempt = 0x00C,
}

/// <summary>The two class bits of the message type (RFC 8489 section 5).</summary>
public enum StunClass : byte
{
    Request = 0b00,
    Indication = 0b01,
    SuccessResponse = 0b10,
    ErrorResponse = 0b11,
}
