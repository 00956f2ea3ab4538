namespace Nattt.Stun.Wire;

/// <summary>
/// The 14-bit message type: method bits M0..M11 interleaved with class bits C0 and C1 (RFC 8489 section 5, figure 3):
/// <c>M11..M7 C1 M6..M4 C0 M3..M0</c>.
/// </summary>
public readonly record struct StunMessageType(StunMethod Method, StunClass Class)
{
    public static readonly StunMessageType BindingRequest = new(StunMethod.Binding, StunClass.Request);
    public static readonly StunMessageType BindingSuccess = new(StunMethod.Binding, StunClass.SuccessResponse);
    public static readonly StunMessageType BindingError = new(StunMethod.Binding, StunClass.ErrorResponse);
    public static readonly StunMessageType BindingIndication = new(StunMethod.Binding, StunClass.Indication);

    /// <summary>The 16-bit value on the wire (top two bits zero).</summary>
    public ushort Value
    {
        get
        {
            int m = (int)Method & 0x0FFF, c = (int)Class;
            return (ushort)((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
        }
    }

    /// <summary>Decodes a wire value; the top two bits are ignored (the reader has already checked them).</summary>
    public static StunMessageType FromValue(ushort value)
    {
        int m = (value & 0x000F) | ((value >> 1) & 0x0070) | ((value >> 2) & 0x0F80);
        int c = ((value >> 4) & 1) | ((value >> 7) & 2);
        return new StunMessageType((StunMethod)m, (StunClass)c);
    }

    /// <summary>The same method with the success-response class: what a server answers a request with.</summary>
    public StunMessageType AsSuccess() => this with { Class = StunClass.SuccessResponse };

    /// <summary>The same method with the error-response class.</summary>
    public StunMessageType AsError() => this with { Class = StunClass.ErrorResponse };

    public override string ToString() => $"{Method} {Class}";
}
